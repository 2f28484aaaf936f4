package io.bifrost.it;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.protocol.BifrostClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's run command, black-box: the executable jar started as its own process, driven by a browser-style
 * websocket client (the JDK's) and the Java backend client.
 */
class ExecutableJarIT {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void jarServesPagesAndDeliversABroadcastToABrowserStyleClient(@TempDir Path dir) throws Exception {
        try (GatewayProcess gateway = GatewayProcess.start(
                Map.of("BIFROST_ENV", "development", "JWT_SECRET", TestGateway.SECRET), dir)) {
            assertEquals(200, get(gateway.uri(), "/").statusCode());
            assertTrue(get(gateway.uri(), "/test").body().contains("/subscribe"));
            assertEquals("{\"stats\":{\"deliveries\":0,\"connected\":0,\"authenticated\":0,\"channels\":0},"
                    + "\"bus\":\"in-process\"}", get(gateway.uri(), "/info.json").body());

            BifrostClient backend = new BifrostClient(gateway.uri(), TestGateway.SECRET);
            BlockingQueue<String> received = new LinkedBlockingQueue<>();
            WebSocket browser = HTTP.newWebSocketBuilder()
                    .buildAsync(URI.create("ws://127.0.0.1:" + gateway.uri().getPort() + "/subscribe"), collector(received))
                    .get(10, TimeUnit.SECONDS);
            browser.sendText("{\"event\":\"authenticate\",\"data\":\""
                    + backend.tokenFor(List.of("user:1", "global"), Duration.ofSeconds(60)) + "\"}", true);
            assertEquals(TestGateway.subscribed("user:1"), received.poll(10, TimeUnit.SECONDS));
            assertEquals(TestGateway.subscribed("global"), received.poll(10, TimeUnit.SECONDS));

            assertEquals(1, backend.broadcast("user:1", "new_item", "{\"id\":7}"));
            assertEquals("{\"event\":\"new_item\",\"data\":\"{\\\"id\\\":7}\"}", received.poll(10, TimeUnit.SECONDS));

            browser.sendText("{\"event\":\"ping\"}", true);
            assertEquals("{\"event\":\"pong\"}", received.poll(10, TimeUnit.SECONDS));
            browser.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void jarServesTheBrowserHelperItCarries(@TempDir Path dir) throws Exception {
        byte[] inJar;
        try (JarFile jar = new JarFile(System.getProperty("bifrost.jar"))) {
            JarEntry entry = jar.getJarEntry("io/bifrost/gateway/http/bifrost.js");
            assertNotNull(entry, "the jar lacks io/bifrost/gateway/http/bifrost.js");
            try (InputStream in = jar.getInputStream(entry)) {
                inJar = in.readAllBytes();
            }
        }
        try (GatewayProcess gateway = GatewayProcess.start(
                Map.of("BIFROST_ENV", "production", "JWT_SECRET", TestGateway.SECRET), dir)) {
            HttpResponse<byte[]> response = HTTP.send(HttpRequest.newBuilder(gateway.uri().resolve("/bifrost.js"))
                    .build(), HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, response.statusCode());
            assertArrayEquals(inJar, response.body());
            assertTrue(new String(inJar, StandardCharsets.UTF_8).contains("export function connect("));
            assertEquals("text/javascript; charset=utf-8", response.headers().firstValue("Content-Type").orElse(""));
            assertEquals("public, max-age=300", response.headers().firstValue("Cache-Control").orElse(""));
        }
    }

    @Test
    void developmentModeReadsDotEnvLikeBifrost(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve(".env"), "JWT_SECRET=" + TestGateway.SECRET + "\n");
        try (GatewayProcess gateway = GatewayProcess.start(Map.of(), dir)) {
            BifrostClient backend = new BifrostClient(gateway.uri(), TestGateway.SECRET);
            assertEquals(0, backend.broadcast("nobody", "e", "d"));
            assertTrue(gateway.log().contains(".env"), gateway.log());
        }
    }

    @Test
    void productionRefusesToStartWithoutASecretAndSaysWhy(@TempDir Path dir) throws Exception {
        String jar = System.getProperty("bifrost.jar");
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder builder = new ProcessBuilder(java, "-jar", jar).directory(dir.toFile()).redirectErrorStream(true);
        builder.environment().remove("JWT_SECRET");
        builder.environment().put("BIFROST_ENV", "production");
        builder.environment().put("PORT", "0");
        Process process = builder.start();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the gateway should exit at once");
        String output = new String(process.getInputStream().readAllBytes());
        assertNotEquals(0, process.exitValue());
        assertTrue(output.contains("JWT_SECRET is not set"), output);
    }

    @Test
    void aTakenPortStopsTheStartAndSaysWhich(@TempDir Path dir) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            String jar = System.getProperty("bifrost.jar");
            String java = ProcessHandle.current().info().command().orElse("java");
            ProcessBuilder builder = new ProcessBuilder(java, "-jar", jar).directory(dir.toFile())
                    .redirectErrorStream(true);
            builder.environment().put("JWT_SECRET", TestGateway.SECRET);
            builder.environment().put("BIFROST_HOST", "127.0.0.1");
            builder.environment().put("PORT", String.valueOf(taken.getLocalPort()));
            Process process = builder.start();
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the gateway should exit, not run without a listener");
            String output = new String(process.getInputStream().readAllBytes());
            assertNotEquals(0, process.exitValue());
            assertTrue(output.contains("could not listen on 127.0.0.1:" + taken.getLocalPort()), output);
            assertTrue(output.contains("set PORT"), output);
            assertTrue(!output.contains("listening on"), output);
        }
    }

    private static HttpResponse<String> get(URI base, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(base.resolve(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static WebSocket.Listener collector(BlockingQueue<String> received) {
        return new WebSocket.Listener() {
            private final StringBuilder partial = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                partial.append(data);
                if (last) {
                    received.add(partial.toString());
                    partial.setLength(0);
                }
                webSocket.request(1);
                return null;
            }
        };
    }
}
