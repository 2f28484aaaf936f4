package io.bifrost.it.edge;

import java.nio.file.Path;

import io.bifrost.it.GatewayProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static io.bifrost.it.edge.Edge.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Finding 5, log injection without the secret: whatever a client puts in a token header (a newline and a forged log
 * line, terminal escapes, ten thousand characters) reaches the plain-format log escaped and capped. Every attempt
 * uses a junk signature, so it is open to anyone.
 */
class LogInjectionIT {
    /** A whole forged line behind a newline, plus the other control characters an attacker would try. */
    private static final String FORGED = "\\n2026-01-01T00:00:00.000Z SEVERE forged\\r\\u001b[31m\\u0007\\u007f\\u0085\\u0000";
    private static final String LONG = "X".repeat(10_000);

    private static GatewayProcess gateway;

    // Where this test's part of the shared log begins, so each test is judged on what it caused.
    private int logFrom;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        gateway = GatewayProcess.start(Edge.production(), dir);
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    @BeforeEach
    void markLog() throws Exception {
        logFrom = gateway.log().length();
    }

    @Test
    void forgedLineInTheAlgHeaderOfASubscribeTokenStaysOnOneEscapedLine() throws Exception {
        refusedOnSocket(HandMadeJwt.withJunkSignature("{\"alg\":\"HS512" + FORGED + "\",\"typ\":\"JWT\"}",
                "{\"channels\":[\"c\"]}"));
        assertLogHoldsNoForgery();
    }

    @Test
    void forgedLineInTheCritHeaderOfASubscribeTokenStaysOnOneEscapedLine() throws Exception {
        refusedOnSocket(HandMadeJwt.withJunkSignature("{\"alg\":\"HS512\",\"crit\":[\"x" + FORGED + "\"],\"x" + FORGED
                + "\":1}", "{\"channels\":[\"c\"]}"));
        assertLogHoldsNoForgery();
    }

    @Test
    void forgedLineInTheHeadersOfABroadcastTokenStaysOnOneEscapedLine() throws Exception {
        refusedOnBroadcast(HandMadeJwt.withJunkSignature("{\"alg\":\"HS512" + FORGED + "\"}",
                "{\"channel\":\"c\",\"message\":{\"event\":\"e\"}}"));
        refusedOnBroadcast(HandMadeJwt.withJunkSignature("{\"alg\":\"HS512\",\"crit\":[\"x" + FORGED + "\"],\"x"
                + FORGED + "\":1}", "{\"channel\":\"c\",\"message\":{\"event\":\"e\"}}"));
        assertLogHoldsNoForgery();
    }

    @Test
    void longHeaderValueIsCappedInTheLog() throws Exception {
        refusedOnSocket(HandMadeJwt.withJunkSignature("{\"alg\":\"" + LONG + "\"}", "{\"channels\":[\"c\"]}"));
        refusedOnBroadcast(HandMadeJwt.withJunkSignature("{\"alg\":\"" + LONG + "\"}",
                "{\"channel\":\"c\",\"message\":{\"event\":\"e\"}}"));
        refusedOnBroadcast(HandMadeJwt.withJunkSignature("{\"alg\":\"HS512\",\"crit\":[\"" + LONG + "\"],\"" + LONG
                + "\":1}", "{\"channel\":\"c\",\"message\":{\"event\":\"e\"}}"));
        String log = gateway.log().substring(logFrom);
        // Capped at 200 characters per value: no run of the value's 10,000 X's longer than that reaches the log.
        Edge.linesContaining(log, "X".repeat(201)).forEach(line -> {
            throw new AssertionError("a client's value reached the log uncapped (" + line.length() + " characters): "
                    + line.substring(0, 300) + "...");
        });
    }

    private static void refusedOnSocket(String token) throws Exception {
        try (RawWebSocket ws = RawWebSocket.open(gateway.uri())) {
            ws.sendText("{\"event\":\"authenticate\",\"data\":\"" + token + "\"}");
            assertEquals(1008, ws.awaitClose(WAIT).code());
        }
    }

    private static void refusedOnBroadcast(String token) throws Exception {
        RawHttp.Response answer = RawHttp.answer(gateway.uri(), Edge.post("/broadcast", "{\"token\":\"" + token
                + "\"}", ""), WAIT);
        assertEquals(400, answer.status(), answer.toString());
    }

    private void assertLogHoldsNoForgery() throws Exception {
        String log = gateway.log().substring(logFrom);
        for (String line : log.split("\n", -1)) {
            if (line.startsWith("2026-01-01T00:00:00.000Z SEVERE forged")) {
                throw new AssertionError("a client forged a log line: " + visible(line));
            }
        }
        for (int i = 0; i < log.length(); i++) {
            char c = log.charAt(i);
            boolean control = c < 0x20 && c != '\n' && c != '\t' || c >= 0x7F && c <= 0x9F;
            if (control) {
                int from = Math.max(0, log.lastIndexOf('\n', i) + 1);
                throw new AssertionError(String.format("raw control character U+%04X in the log, in the line: %s", (int) c,
                        visible(log.substring(from, Math.min(log.length(), from + 300)))));
            }
        }
    }

    // For failure messages: control characters shown as escapes, not sent to the reader's terminal.
    private static String visible(String text) {
        StringBuilder out = new StringBuilder();
        text.chars().forEach(c -> out.append(c < 0x20 || c >= 0x7F && c <= 0x9F ? String.format("\\u%04X", c)
                : String.valueOf((char) c)));
        return out.toString();
    }
}
