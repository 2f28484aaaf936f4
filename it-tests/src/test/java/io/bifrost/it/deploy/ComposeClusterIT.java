package io.bifrost.it.deploy;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import io.bifrost.protocol.BifrostClient;
import io.bifrost.testing.GatewayEndpoint;
import io.bifrost.testing.LocalGatewayImage;
import io.bifrost.testing.TestSecrets;
import io.bifrost.testing.TestSubscriber;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * docker/compose.yml run as its comment says (Redis, two gateways, nginx in front), with images made on this machine:
 * the gateway image from this build's jar, bifrost/redis:7 and bifrost/nginx:local (.ci/docker-setup.sh,
 * .ci/nginx-image.sh). A socket on gateway-1 and a socket through the proxy receive every broadcast posted through the
 * proxy, and gateway-2 took some of those posts.
 */
class ComposeClusterIT {
    private static final String REDIS_IMAGE = System.getProperty("bifrost.redis.image", "bifrost/redis:7");
    private static final String NGINX_IMAGE = System.getProperty("bifrost.nginx.image", "bifrost/nginx:local");
    private static final long UP_SECONDS = 180;
    private static final long DOWN_SECONDS = 60;
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final int POSTS = 4;

    @Test
    void socketsOnOneGatewayAndBehindTheProxyReceiveBroadcastsPostedThroughTheProxy() throws Exception {
        String gatewayImage = LocalGatewayImage.build();
        Path composeFile = Path.of(System.getProperty("bifrost.compose"));
        String project = "bifrost-it-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        int port = freePort();
        String secret = TestSecrets.random();
        Compose compose = new Compose(composeFile, project, Map.of(
                "JWT_SECRET", secret,
                "BIFROST_GATEWAY_IMAGE", gatewayImage,
                "BIFROST_REDIS_IMAGE", REDIS_IMAGE,
                "BIFROST_NGINX_IMAGE", NGINX_IMAGE,
                "BIFROST_PORT", Integer.toString(port)));
        try {
            // Returns once the proxy is created, which waits for both gateways' health checks (depends_on).
            compose.run(UP_SECONDS, "up", "-d", "--no-build");
            GatewayEndpoint proxy = endpoint(URI.create("http://localhost:" + port + "/"), secret);
            GatewayEndpoint gateway1 = endpoint(URI.create("http://" + compose.address("gateway-1") + ":3000/"), secret);
            URI gateway2 = URI.create("http://" + compose.address("gateway-2") + ":3000/");
            awaitReady(proxy.uri());

            try (TestSubscriber onGateway1 = gateway1.subscribe("user:1");
                 TestSubscriber throughProxy = proxy.subscribe("user:1")) {
                double before1 = accepted(gateway1.uri());
                double before2 = accepted(gateway2);
                BifrostClient backend = proxy.client();
                for (int i = 1; i <= POSTS; i++) {
                    backend.broadcast("user:1", "new_item", "{\"id\":" + i + "}");
                }
                for (TestSubscriber subscriber : List.of(onGateway1, throughProxy)) {
                    for (int i = 1; i <= POSTS; i++) {
                        assertEquals("{\"id\":" + i + "}", subscriber.awaitMessage("new_item", WAIT).data());
                    }
                    subscriber.assertNoMessage(Duration.ofMillis(200));
                }
                // nginx takes turns between the upstreams: each gateway accepted some of the posts, all of them in all.
                double took1 = accepted(gateway1.uri()) - before1;
                double took2 = accepted(gateway2) - before2;
                assertEquals(POSTS, took1 + took2, "posts accepted by gateway-1 and gateway-2");
                assertTrue(took2 >= 1, "gateway-2 accepted none of the posts: " + took2);
                assertTrue(took1 >= 1, "gateway-1 accepted none of the posts: " + took1);
            }
        } finally {
            compose.run(DOWN_SECONDS, "down", "-v", "-t", "20");
        }
    }

    private static GatewayEndpoint endpoint(URI base, String secret) {
        return new GatewayEndpoint() {
            @Override
            public URI uri() {
                return base;
            }

            @Override
            public URI websocketUri() {
                return URI.create("ws://" + base.getHost() + ":" + base.getPort() + "/subscribe");
            }

            @Override
            public String secret() {
                return secret;
            }
        };
    }

    // The proxy forwards once nginx has started; bounded, like every wait here.
    private static void awaitReady(URI proxy) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String last = "no answer";
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
            while (System.nanoTime() - deadline < 0) {
                try {
                    HttpResponse<String> response = http.send(HttpRequest.newBuilder(proxy.resolve("/health/ready"))
                            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                    if (response.statusCode() == 200) {
                        return;
                    }
                    last = response.statusCode() + " " + response.body();
                } catch (IOException e) {
                    last = e.toString();
                }
                Thread.sleep(200);
            }
        }
        fail("the proxy at " + proxy + " did not answer /health/ready with 200 within 30 s; last: " + last);
    }

    // bifrost_broadcasts_accepted_total from the gateway's /metrics (docs/OPERATIONS.md).
    private static double accepted(URI gateway) throws IOException, InterruptedException {
        try (HttpClient http = HttpClient.newHttpClient()) {
            String metrics = http.send(HttpRequest.newBuilder(gateway.resolve("/metrics"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
            for (String line : metrics.split("\n")) {
                if (line.startsWith("bifrost_broadcasts_accepted_total ")
                        || line.startsWith("bifrost_broadcasts_accepted_total{")) {
                    return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
        }
        throw new AssertionError(gateway + "/metrics has no bifrost_broadcasts_accepted_total");
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** docker compose (the CLI plugin) or Debian's docker-compose, on one project, each command bounded. */
    private record Compose(Path file, String project, Map<String, String> env) {

        void run(long seconds, String... args) throws IOException, InterruptedException {
            List<String> command = new ArrayList<>(command());
            command.addAll(List.of("-f", file.toString(), "-p", project));
            command.addAll(List.of(args));
            Path log = Files.createTempFile("bifrost-compose", ".log");
            try {
                ProcessBuilder builder = new ProcessBuilder(command).directory(file.getParent().toFile())
                        .redirectErrorStream(true).redirectOutput(log.toFile());
                builder.environment().putAll(env);
                Process process = builder.start();
                if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    fail(String.join(" ", command) + " took over " + seconds + " s; output:\n" + Files.readString(log));
                }
                if (process.exitValue() != 0) {
                    fail(String.join(" ", command) + " exited " + process.exitValue() + "; output:\n"
                            + Files.readString(log, StandardCharsets.UTF_8));
                }
            } finally {
                Files.deleteIfExists(log);
            }
        }

        // The service's container address on the project's network: reachable from this (Linux) host.
        String address(String service) throws IOException, InterruptedException {
            List<String> command = new ArrayList<>(command());
            command.addAll(List.of("-f", file.toString(), "-p", project, "ps", "-q", service));
            ProcessBuilder builder = new ProcessBuilder(command).directory(file.getParent().toFile());
            builder.environment().putAll(env);
            Process process = builder.redirectErrorStream(false).start();
            String id = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!process.waitFor(30, TimeUnit.SECONDS) || id.isEmpty()) {
                fail("no container for " + service + " in " + project);
            }
            var networks = DockerClientFactory.instance().client().inspectContainerCmd(id).exec()
                    .getNetworkSettings().getNetworks();
            return networks.values().iterator().next().getIpAddress();
        }

        private static List<String> command() throws IOException, InterruptedException {
            if (works(List.of("docker", "compose", "version"))) {
                return List.of("docker", "compose");
            }
            if (works(List.of("docker-compose", "version"))) {
                return List.of("docker-compose");
            }
            throw new AssertionError("neither `docker compose` nor `docker-compose` is installed: bin/setup installs "
                    + "Debian's docker-compose (apt-get install docker-compose)");
        }

        private static boolean works(List<String> command) throws InterruptedException {
            try {
                Process process = new ProcessBuilder(command).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                return process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0;
            } catch (IOException e) {
                return false;
            }
        }
    }
}
