package io.bifrost.it.browser;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A small TCP load balancer for tests, like a platform router: each new connection goes to the first backend whose
 * {@code /health/ready} answers 200, and bytes are piped both ways. A draining instance turns unready at once, so
 * reconnecting browsers land on the survivor.
 */
final class HealthAwareBalancer implements AutoCloseable {
    private final List<URI> backends;
    private final ServerSocket server;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    HealthAwareBalancer(List<URI> backends) throws IOException {
        this.backends = backends;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        threads.submit(this::accept);
    }

    int port() {
        return server.getLocalPort();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                threads.submit(() -> route(client));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void route(Socket client) {
        for (URI backend : backends) {
            if (ready(backend)) {
                try {
                    Socket upstream = new Socket(backend.getHost(), backend.getPort());
                    threads.submit(() -> pipe(client, upstream));
                    pipe(upstream, client);
                    return;
                } catch (IOException e) {
                    // try the next one
                }
            }
        }
        close(client);
    }

    private boolean ready(URI backend) {
        try {
            return http.send(HttpRequest.newBuilder(backend.resolve("/health/ready")).timeout(Duration.ofSeconds(1))
                    .build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void pipe(Socket from, Socket to) {
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            in.transferTo(out);
        } catch (IOException e) {
            // one side went away
        } finally {
            close(from);
            close(to);
        }
    }

    private static void close(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        threads.shutdownNow();
    }
}
