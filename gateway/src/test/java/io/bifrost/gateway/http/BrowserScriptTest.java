package io.bifrost.gateway.http;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import io.helidon.webserver.WebServer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code /bifrost.js} handler alone, on a bare server: the bytes it serves are the resource's, with the headers a
 * browser needs to import it as a module from another origin and to cache it for five minutes.
 */
class BrowserScriptTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void servesTheResourceBytesAsAJavaScriptModuleWithItsCachingAndCorsHeaders() throws Exception {
        byte[] resource = resource();
        WebServer server = WebServer.builder().host("127.0.0.1").port(0)
                .routing(routing -> routing.get(BrowserScript.PATH, new BrowserScript()))
                .build().start();
        try {
            HttpResponse<byte[]> response = HTTP.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + server.port() + "/bifrost.js"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofByteArray());

            assertEquals(200, response.statusCode());
            assertArrayEquals(resource, response.body());
            assertEquals("text/javascript; charset=utf-8", response.headers().firstValue("Content-Type").orElse(""));
            assertEquals("public, max-age=300", response.headers().firstValue("Cache-Control").orElse(""));
            assertEquals("*", response.headers().firstValue("Access-Control-Allow-Origin").orElse(""));
            assertEquals(String.valueOf(resource.length), response.headers().firstValue("Content-Length").orElse(""));
        } finally {
            server.stop();
        }
    }

    @Test
    void theResourceIsTheHelperModule() {
        String script = new String(new BrowserScript().bytes(), StandardCharsets.UTF_8);
        assertTrue(script.contains("\nexport function connect(target, options) {"), "no connect export");
        assertTrue(script.contains("\nexport class Bifrost {"), "no Bifrost export");
        // Small and readable, as promised: no bundle, no minified line.
        long lines = script.lines().count();
        assertTrue(lines > 50 && lines <= 320, lines + " lines");
        assertTrue(script.lines().allMatch(line -> line.length() <= 120), "a line over 120 characters");
    }

    @Test
    void bytesAreACopy() {
        BrowserScript handler = new BrowserScript();
        handler.bytes()[0] = 0;
        assertEquals('/', handler.bytes()[0]);
    }

    private static byte[] resource() throws Exception {
        try (InputStream in = BrowserScriptTest.class.getClassLoader()
                .getResourceAsStream("io/bifrost/gateway/http/bifrost.js")) {
            assertNotNull(in, "io/bifrost/gateway/http/bifrost.js is not on the classpath");
            return in.readAllBytes();
        }
    }
}
