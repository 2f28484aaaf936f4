package io.bifrost.it.dashboard;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A client of {@code GET /dashboard/stream} as a browser's EventSource is: one HTTP/1.1 request, then server-sent
 * events read as they come, each with a bounded wait.
 */
final class EventStream implements AutoCloseable {
    private static final String END = "\u0000end";

    /**
     * One event.
     *
     * @param event its {@code event:} name, {@code message} when none
     * @param data  its {@code data:} lines joined
     */
    record Event(String event, String data) {
    }

    private final HttpClient client;
    private final HttpResponse<InputStream> response;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final String body;

    private EventStream(HttpClient client, HttpResponse<InputStream> response) throws IOException {
        this.client = client;
        this.response = response;
        if (response.statusCode() != 200) {
            try (InputStream in = response.body()) {
                this.body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            return;
        }
        this.body = "";
        Thread.ofVirtual().name("event-stream-reader").start(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(),
                    StandardCharsets.UTF_8))) {
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // Closed by us or by the server: the end of the stream either way.
            } finally {
                lines.add(END);
            }
        });
    }

    /**
     * @param uri     the stream's address, query included
     * @param headers request headers
     * @return the open stream, or its refusal (see {@link #status()}, {@link #body()})
     */
    static EventStream open(URI uri, Map<String, String> headers) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET();
        headers.forEach(request::header);
        return new EventStream(client, client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream()));
    }

    int status() {
        return response.statusCode();
    }

    Optional<String> header(String name) {
        return response.headers().firstValue(name);
    }

    /** @return the body of a refusal */
    String body() {
        return body;
    }

    /**
     * @param wait the longest time to wait
     * @return the next event (comments skipped)
     * @throws AssertionError if none came in time or the stream ended
     */
    Event next(Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        String event = "message";
        List<String> data = new ArrayList<>();
        while (true) {
            String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null) {
                throw new AssertionError("no event within " + wait);
            }
            if (line.equals(END)) {
                lines.add(END);
                throw new AssertionError("the stream ended");
            }
            if (line.isEmpty()) {
                if (!data.isEmpty()) {
                    return new Event(event, String.join("\n", data));
                }
                event = "message";
            } else if (line.startsWith("event: ")) {
                event = line.substring("event: ".length());
            } else if (line.startsWith("data: ")) {
                data.add(line.substring("data: ".length()));
            }
        }
    }

    /**
     * @param wait the longest time to wait
     * @return true if the server ended the stream within it
     */
    boolean endsWithin(Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (System.nanoTime() < deadline) {
            String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (END.equals(line)) {
                lines.add(END);
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        client.shutdownNow();
    }
}
