package io.bifrost.gateway.edge;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Http10Test {

    @Test
    void anHttp10RequestIsHandedOnAsHttp11WithAHostAndClosesAfterItsAnswer() {
        TrackedConnection connection = new TrackedConnection(null, false);
        String out = rewrite(connection, "GET /health/live HTTP/1.0\r\n\r\n");
        assertEquals("GET /health/live HTTP/1.1\r\nHost: localhost\r\n\r\n", out);
        assertTrue(connection.http10());
        assertTrue(connection.closesAfterAnswer());
    }

    @Test
    void anHttp10RequestWithItsOwnHostKeepsIt() {
        TrackedConnection connection = new TrackedConnection(null, false);
        String out = rewrite(connection, "GET / HTTP/1.0\r\nHost: example.com\r\n\r\n");
        assertEquals("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n", out);
    }

    @Test
    void aRequestLineAndHeadSplitOverManyReadsIsGatheredFirst() {
        TrackedConnection connection = new TrackedConnection(null, false);
        String out = rewrite(connection, "GET /info.json ", "HTTP/1.0\r", "\nAccept: */*\r\n", "\r\nbody");
        assertEquals("GET /info.json HTTP/1.1\r\nHost: localhost\r\nAccept: */*\r\n\r\nbody", out);
    }

    @Test
    void http11IsLeftAlone() {
        TrackedConnection connection = new TrackedConnection(null, false);
        String request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
        assertEquals(request, rewrite(connection, request));
        assertFalse(connection.http10());
    }

    @Test
    void aStreamThatEndsBeforeTheRequestLineIsHandedOnAsItCame() {
        TrackedConnection connection = new TrackedConnection(null, false);
        assertEquals("GET / HT", rewrite(connection, "GET / HT"));
        assertFalse(connection.http10());
    }

    private static String rewrite(TrackedConnection connection, String first, String... more) {
        Deque<byte[]> rest = new ArrayDeque<>();
        for (String s : more) {
            rest.add(s.getBytes(StandardCharsets.ISO_8859_1));
        }
        StringBuilder out = new StringBuilder(new String(Http10.rewrite(first.getBytes(StandardCharsets.ISO_8859_1),
                rest::poll, connection), StandardCharsets.ISO_8859_1));
        rest.forEach(b -> out.append(new String(b, StandardCharsets.ISO_8859_1)));
        return out.toString();
    }
}
