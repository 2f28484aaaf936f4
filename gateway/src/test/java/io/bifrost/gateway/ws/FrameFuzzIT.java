package io.bifrost.gateway.ws;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;

import io.bifrost.gateway.Gateway;
import io.bifrost.gateway.config.Limits;
import io.bifrost.gateway.ops.PlainLogFormatter;
import io.bifrost.gateway.testkit.LogCapture;
import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.gateway.testkit.WsClient;
import io.bifrost.protocol.ClientFrame;
import io.bifrost.protocol.HmacAlgorithm;
import io.bifrost.protocol.InvalidFrameException;
import io.bifrost.protocol.InvalidJsonException;
import io.bifrost.protocol.Json;
import io.bifrost.protocol.SubscribeClaims;
import io.bifrost.protocol.TokenException;
import io.bifrost.protocol.Tokens;
import io.bifrost.protocol.testkit.Fuzz;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.bifrost.gateway.testkit.TestGateway.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Random and mutated client frame sequences over real TCP to one embedded gateway, aimed at the rules of RFC 6455
 * section 5 that {@link FrameReader} enforces (masking, reserved bits and opcodes, lengths, control frames,
 * fragmentation, UTF-8, close payloads) and at what {@link Session} does with the text (events, tokens, since).
 *
 * <p>Whatever a socket sends: after the 101 the gateway sends well-formed websocket frames only (never HTTP bytes);
 * it closes with a code and reason of {@link CloseReason} it may cause here, never 1011, or with the client's own
 * code as an echo (RFC 6455 section 5.5.1), and exactly as a reference reading of the bytes sent calls for; within
 * the timeouts every socket is closed or still answers, and once closed its TCP connection ends within the close
 * timeout; a bystander socket still gets a broadcast and no socket stays counted; and no log line carries a raw
 * control character.
 */
class FrameFuzzIT {
    private static final Limits LIMITS = Limits.DEFAULTS
            .withMaxFrameBytes(1024)
            .withMaxChannelsPerSocket(4)
            .withAuthTimeout(Duration.ofSeconds(1))
            .withPingInterval(Duration.ofSeconds(2))
            .withCloseTimeout(Duration.ofSeconds(2));
    // Sessions' maintenance tick, which applies every timeout.
    private static final Duration TICK = Duration.ofMillis(250);
    // Room for a loaded machine: these bound hangs, they time nothing.
    private static final Duration MARGIN = Duration.ofSeconds(5);
    // A socket left waiting is closed by the auth timeout, or by a ping unanswered for two intervals.
    private static final Duration DECIDED_WITHIN = LIMITS.pingInterval().multipliedBy(2).plus(TICK).plus(MARGIN);
    private static final Duration CUT_WITHIN = LIMITS.closeTimeout().plus(TICK).plus(MARGIN);
    private static final Duration RUN_LIMIT = Duration.ofMinutes(3);

    private static final String BYSTANDER = "bystander";
    private static final List<String> CHANNELS = List.of("fuzz-1", "fuzz-2", "fuzz-3", BYSTANDER);
    // What the gateway may close with on its own here: not 1011 (a fault of ours), 1012 (a restart) or 1013 (the
    // bus down), none of which a client can cause.
    private static final Set<CloseReason> ORIGINATED = EnumSet.of(CloseReason.NORMAL, CloseReason.PROTOCOL_ERROR,
            CloseReason.BINARY_FRAME, CloseReason.INVALID_UTF8, CloseReason.NOT_AUTHORIZED, CloseReason.AUTH_TIMEOUT,
            CloseReason.FRAME_TOO_LARGE, CloseReason.PING_TIMEOUT, CloseReason.SLOW_CONSUMER);
    private static final String PING_EVENT = "{\"event\":\"ping\"}";
    private static final String PONG_EVENT = "{\"event\":\"pong\"}";
    private static final String ECHO = "echoed the client's close";

    // Close codes a client may send (RFC 6455 section 7.4), less those the gateway sends for its own reasons.
    private static final Integer[] VALID_CODES = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1014, 3000, 3999,
        4000, 4999};
    private static final Integer[] INVALID_CODES = {0, 1, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535};
    private static final byte[][] INVALID_UTF8 = {{(byte) 0xC0, (byte) 0x80}, {(byte) 0xC1, (byte) 0xBF},
        {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xED, (byte) 0xBF, (byte) 0xBF},
        {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {(byte) 0xF5, (byte) 0x80, (byte) 0x80, (byte) 0x80},
        {(byte) 0xE0, (byte) 0x80, (byte) 0x80}, {(byte) 0xF0, (byte) 0x80, (byte) 0x80, (byte) 0x80},
        {(byte) 0x80}, {(byte) 0xBF}, {(byte) 0xFE}, {(byte) 0xFF}};
    // A character cut short: invalid only where the message ends.
    private static final byte[][] CUT_UTF8 = {{(byte) 0xC3}, {(byte) 0xE2, (byte) 0x82},
        {(byte) 0xF0, (byte) 0x9F, (byte) 0x98}};
    private static final char[] INTERESTING = {'{', '}', '[', ']', '"', ':', ',', '\\', '.', 'e', '0', ' ', '\u0000',
        '\n', 'é', '\u2028', '\uD83D'};
    // A forged log line in a token's header, the controls first: a refusal quotes only the start of an alg.
    private static final String FORGED = "\u2028\u0085\u2029\u007f\u001b[2J\r\n2026-01-01T00:00:00.000Z SEVERE forged";

    private static final String FORGED_ALG_TOKEN = b64(Json.write(Map.of("alg", "RS256" + FORGED))) + "."
            + b64("{\"channels\":[\"fuzz-1\"]}") + ".c2ln";
    private static final Tokens TOKENS = TestGateway.tokens();
    private static final Tokens OTHER_SECRET =
            new Tokens("another-secret-0123456789abcdef0123456789abcdef0123456789abcdef-x");
    private static final List<String> VALID_TOKENS = List.of(
            TOKENS.subscribeToken(List.of("fuzz-1"), null),
            TOKENS.subscribeToken(List.of("fuzz-1", "fuzz-2"), null),
            TOKENS.subscribeToken(List.of(BYSTANDER, "fuzz-3"), null),
            TOKENS.subscribeToken(List.of("fuzz-2", "fuzz-2", "fuzz-3"), null));
    private static final List<String> JUNK_TOKENS = List.of(
            "",
            TOKENS.subscribeToken(List.of("fuzz-1", "fuzz-2", "fuzz-3", "fuzz-4", "fuzz-5"), null),
            TOKENS.mint(Map.of("channels", List.of("fuzz-1"), "exp", 1_000_000_000L), HmacAlgorithm.HS512),
            TOKENS.mint(Map.of("channel", "fuzz-1"), HmacAlgorithm.HS256),
            TOKENS.mint(Map.of("channels", List.of()), HmacAlgorithm.HS384),
            TOKENS.mint(Map.of("channels", List.of("c".repeat(257))), HmacAlgorithm.HS512),
            OTHER_SECRET.subscribeToken(List.of("fuzz-1"), null),
            b64("{\"alg\":\"none\"}") + "." + b64("{\"channels\":[\"fuzz-1\"]}") + ".",
            FORGED_ALG_TOKEN,
            b64(Json.write(Map.of("alg", "HS512", "kid", FORGED))) + "." + b64("{\"channels\":[\"a\"]}") + ".c2ln");

    private LogCapture logs;

    @BeforeEach
    void captureLogs() {
        // Every record of the process, debug lines of ours too (violations are logged at DEBUG): all must be safe.
        logs = LogCapture.on("").withLevel("io.bifrost", Level.ALL);
    }

    @AfterEach
    void releaseLogs() {
        logs.close();
    }

    @Test
    void anyFrameSequenceGetsWellFormedFramesOurCloseCodesAnEndInTimeAndHarmsNoOne() throws Exception {
        // Every way out must be reached often enough to say something about it.
        Fuzz fuzz = Fuzz.property("anyFrameSequenceGetsWellFormedFramesOurCloseCodesAnEndInTimeAndHarmsNoOne", 300)
                .inParallel(16)
                .within(RUN_LIMIT)
                .requires("outcome", "usable", 20)
                .requires("outcome", closed(CloseReason.PROTOCOL_ERROR), 30)
                .requires("outcome", closed(CloseReason.BINARY_FRAME), 3)
                .requires("outcome", closed(CloseReason.INVALID_UTF8), 5)
                .requires("outcome", closed(CloseReason.NOT_AUTHORIZED), 5)
                .requires("outcome", closed(CloseReason.AUTH_TIMEOUT), 3)
                .requires("outcome", closed(CloseReason.FRAME_TOO_LARGE), 5)
                .requires("outcome", closed(CloseReason.PING_TIMEOUT), 5)
                .requires("outcome", ECHO, 5);
        try (Gateway gateway = TestGateway.start(LIMITS);
             Bystander bystander = new Bystander(TestGateway.subscriber(gateway, BYSTANDER))) {
            // Only the first refusal of a kind is logged (then one a minute): the first of this kind is one with every
            // control character in its alg, however many tries run.
            try (WsClient forger = WsClient.connect(gateway.uri())) {
                forger.authenticate(FORGED_ALG_TOKEN);
                assertEquals(new WsClient.Close(1008, "Not Authorized!"), forger.awaitClose(WAIT));
            }
            fuzz.forAll(FrameFuzzIT::sequence, sequence -> fuzz.collect("outcome", play(gateway.uri(), sequence)));

            String afterRun = " after the run from seed " + fuzz.seed();
            awaitConnected(gateway, 1, "sockets open" + afterRun);
            for (String channel : CHANNELS) {
                assertEquals(channel.equals(BYSTANDER) ? 1 : 0, gateway.subscribers(channel),
                        "subscribers of " + channel + afterRun);
            }
            TestGateway.Reply reply = TestGateway.broadcast(gateway, BYSTANDER, "still", "here");
            assertEquals("{\"message\":\"Success\",\"deliveries\":1}", reply.body(), "the broadcast" + afterRun);
            assertEquals("{\"event\":\"still\",\"data\":\"here\"}", bystander.nextText(WAIT),
                    "the bystander's frame" + afterRun);
        }

        PlainLogFormatter formatter = new PlainLogFormatter();
        List<String> lines = logs.records().stream().map(formatter::format).toList();
        assertTrue(lines.stream().anyMatch(line -> line.contains("refused: unsupported_algorithm")),
                "the forged alg's refusal is not among the " + lines.size() + " log lines: the escaping was not tested");
        for (String line : lines) {
            String body = line.substring(0, line.length() - System.lineSeparator().length());
            assertFalse(body.chars().anyMatch(FrameFuzzIT::rawControl), "a log line with a raw control character"
                    + " (run seed " + fuzz.seed() + "): " + Fuzz.show(body));
        }
    }

    // C0 and C1 controls, DEL, and the line and paragraph separators: what could end a log line or drive a terminal.
    private static boolean rawControl(int c) {
        return c < 0x20 || c >= 0x7F && c <= 0x9F || c == 0x2028 || c == 0x2029;
    }

    private static String closed(CloseReason reason) {
        return "closed " + reason.code() + " " + reason.reason();
    }

    // ---- one socket ----

    /**
     * Sends a sequence on a socket of its own and follows what the gateway does with it.
     *
     * @return what became of the socket, for the coverage counts
     */
    private static String play(URI base, Sequence sequence) throws Exception {
        try (WsClient client = WsClient.connect(base)) {
            try {
                for (Step step : sequence.steps()) {
                    client.sendRaw(step.bytes());
                }
                if (sequence.ending() == Ending.HALF_CLOSE) {
                    client.shutdownOutput();
                }
            } catch (IOException e) {
                // The gateway may have ended a connection it closed; what it sent before is read below all the same.
            }
            ServerStream stream = new ServerStream(client);
            long decideBy = System.nanoTime() + DECIDED_WITHIN.toNanos();
            boolean probeAnswered = false;
            // Bounded: the stream fails a read past the deadline, and a gateway that talks on and on fails the count.
            for (int frames = 0; frames < 10_000; frames++) {
                Received received = stream.next(decideBy, "neither answered the probe nor closed within "
                        + DECIDED_WITHIN.toMillis() + " ms");
                if (received instanceof End end) {
                    assertEquals(Ending.HALF_CLOSE, sequence.ending(),
                            "the connection ended without a close frame (" + end.how() + ")");
                    return "ended after the client's FIN";
                }
                if (received instanceof Close close) {
                    assertExpected(close, sequence.expected());
                    if (sequence.awaitCut()) {
                        stream.awaitEnd();
                    }
                    return close.reason().isEmpty() ? ECHO : "closed " + close.code() + " " + close.reason();
                }
                if (received instanceof Pong pong && Arrays.equals(pong.payload(), sequence.probe())) {
                    probeAnswered = true;
                } else if (received instanceof Text text && probeAnswered) {
                    // Nothing is queued between the probe's ping frame and its ping event: the answer comes next.
                    assertEquals(PONG_EVENT, text.text(), "the probe's ping event was answered with");
                    assertTrue(sequence.expected().open(), "still answering, though expected " + sequence.expected());
                    return closeCleanly(client, stream, sequence);
                }
            }
            return fail("over 10,000 frames for one socket");
        }
    }

    // A live socket is closed the ordinary way: the gateway echoes 1000 (or has just closed it for its own reasons).
    private static String closeCleanly(WsClient client, ServerStream stream, Sequence sequence) throws Exception {
        client.sendRaw(sequence.close());
        long decideBy = System.nanoTime() + CUT_WITHIN.toNanos();
        for (int frames = 0; frames < 10_000; frames++) {
            Received received = stream.next(decideBy, "did not answer the client's close within "
                    + CUT_WITHIN.toMillis() + " ms");
            if (received instanceof End end) {
                return fail("the connection ended without answering the client's close (" + end.how() + ")");
            }
            if (received instanceof Close close) {
                assertExpected(close, new Expected(null, 1000, sequence.expected().authenticated(),
                        "the client's close after the probe"));
                return "usable";
            }
        }
        return fail("over 10,000 frames after the client's close");
    }

    /**
     * A close is one of CloseReason's the gateway may cause here, or an echo; and it is the one the bytes call for,
     * or the timeout that closes a socket left waiting (which a slow machine may bring first).
     */
    private static void assertExpected(Close close, Expected expected) {
        assertTrue(close.reason().isEmpty() || ORIGINATED.stream().anyMatch(reason -> is(close, reason)),
                "closed with " + close + "; the gateway closes with " + ORIGINATED + " or an echo");
        boolean asExpected = expected.echo() != null ? close.reason().isEmpty() && close.code() == expected.echo()
                : expected.reason() != null && is(close, expected.reason());
        CloseReason timeout = expected.authenticated() ? CloseReason.PING_TIMEOUT : CloseReason.AUTH_TIMEOUT;
        assertTrue(asExpected || is(close, timeout), "closed with " + close + "; expected " + expected);
    }

    private static boolean is(Close close, CloseReason reason) {
        return close.code() == reason.code() && close.reason().equals(reason.reason());
    }

    /**
     * What the gateway must do with what a socket sent: close as its first decisive frame calls for, or neither
     * close nor stop answering until a timeout.
     *
     * @param reason        the close the first decisive frame calls for, or null
     * @param echo          the code its answer to the client's close carries, or null
     * @param authenticated whether a token was accepted before that frame (or the end of the bytes)
     * @param why           what decided it
     */
    record Expected(CloseReason reason, Integer echo, boolean authenticated, String why) {
        boolean open() {
            return reason == null && echo == null;
        }

        @Override
        public String toString() {
            return (reason != null ? reason.code() + " " + reason.reason() : echo != null ? "an echo of " + echo
                    : "no close but a timeout's") + " (" + why + (authenticated ? ", authenticated" : "") + ")";
        }
    }

    private static void awaitConnected(Gateway gateway, int expected, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (gateway.connected() != expected && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(expected, gateway.connected(), what);
    }

    // ---- what the gateway sends ----

    /** A frame or the end of the connection, as the gateway sent it. */
    private sealed interface Received permits Text, Ping, Pong, Close, End {
    }

    private record Text(String text) implements Received {
    }

    private record Ping(byte[] payload) implements Received {
    }

    private record Pong(byte[] payload) implements Received {
    }

    private record Close(int code, String reason) implements Received {
    }

    private record End(String how) implements Received {
    }

    /**
     * Reads what the gateway sends after the 101, strictly, as RFC 6455 section 5 has a server send it: unmasked,
     * no reserved bits or opcodes, lengths in their shortest form, control frames whole and at most 125 bytes, text
     * in UTF-8, and nothing after a close frame. The gateway also sends only whole text frames, each a JSON event.
     */
    private static final class ServerStream {
        private final WsClient client;
        private final long since = System.nanoTime();
        private boolean closed;

        ServerStream(WsClient client) {
            this.client = client;
        }

        private long millis() {
            return (System.nanoTime() - since) / 1_000_000;
        }

        Received next(long deadline, String stalled) throws IOException {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return fail("the gateway " + stalled);
            }
            DataInputStream in = client.input(Duration.ofNanos(left));
            int b0;
            try {
                b0 = in.read();
            } catch (SocketTimeoutException e) {
                return fail("the gateway " + stalled);
            } catch (SocketException e) {
                return new End("reset after " + millis() + " ms: " + e.getMessage());
            }
            if (b0 < 0) {
                return new End("EOF after " + millis() + " ms");
            }
            if (closed) {
                return fail("the gateway sent bytes after its close frame: " + rest(in, b0));
            }
            try {
                return frame(in, b0);
            } catch (EOFException | SocketException e) {
                return fail("the connection ended inside a frame: " + e);
            } catch (SocketTimeoutException e) {
                return fail("the gateway stopped inside a frame");
            }
        }

        private Received frame(DataInputStream in, int b0) throws IOException {
            int b1 = in.readUnsignedByte();
            int opcode = b0 & 0x0F;
            boolean fin = (b0 & 0x80) != 0;
            if ((b0 & 0x70) != 0 || (b1 & 0x80) != 0 || opcode != 0x1 && opcode < 0x8 || opcode > 0xA) {
                fail("not a server frame (reserved bits, a mask, or an opcode the gateway never sends): "
                        + rest(in, b0, b1));
            }
            long length = b1 & 0x7F;
            if (length == 126) {
                length = in.readUnsignedShort();
                assertTrue(length >= 126, "a length of " + length + " in the 16-bit form");
            } else if (length == 127) {
                length = in.readLong();
                assertTrue(length >= 65536, "a length of " + length + " in the 64-bit form");
            }
            assertTrue(opcode < 0x8 || fin && length <= 125, "a control frame cut up or over 125 bytes");
            assertTrue(fin, "a fragmented text frame: the gateway writes every message whole");
            assertTrue(length <= 1 << 20, "a frame of " + length + " bytes");
            byte[] payload = new byte[(int) length];
            in.readFully(payload);
            return switch (opcode) {
                case 0x1 -> {
                    String text = utf8(payload, "a text frame");
                    assertTrue(isEvent(text), "a text frame that is not an event: " + Fuzz.show(text));
                    yield new Text(text);
                }
                case 0x8 -> {
                    closed = true;
                    assertTrue(payload.length >= 2, "a close frame without a code");
                    int code = (payload[0] & 0xFF) << 8 | payload[1] & 0xFF;
                    assertTrue(FrameReader.validOnTheWire(code), "close code " + code + ", never sent on the wire");
                    yield new Close(code, utf8(Arrays.copyOfRange(payload, 2, payload.length),
                            "a close reason"));
                }
                case 0x9 -> new Ping(payload);
                default -> new Pong(payload);
            };
        }

        private static boolean isEvent(String text) {
            try {
                return Json.parseObject(text).get("event") instanceof String;
            } catch (InvalidJsonException e) {
                return false;
            }
        }

        // After a close frame: the connection must end, within the close timeout, with nothing more sent.
        void awaitEnd() throws IOException {
            long deadline = System.nanoTime() + CUT_WITHIN.toNanos();
            Received received = next(deadline, "did not end the connection within " + CUT_WITHIN.toMillis()
                    + " ms of its close frame");
            assertInstanceOf(End.class, received, "after the close frame");
        }

        private static String utf8(byte[] bytes, String what) {
            try {
                return StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes)).toString();
            } catch (CharacterCodingException e) {
                return fail(what + " that is not UTF-8: " + HexFormat.of().formatHex(bytes));
            }
        }

        // The bytes read and what else is already there, as text when they are HTTP.
        private static String rest(DataInputStream in, int... read) throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            for (int b : read) {
                bytes.write(b);
            }
            byte[] more = new byte[Math.min(120, in.available())];
            int n = in.read(more);
            bytes.write(more, 0, Math.max(0, n));
            String text = bytes.toString(StandardCharsets.ISO_8859_1);
            return (text.startsWith("HTTP/") ? "HTTP bytes after the 101: " + Fuzz.show(text) : "")
                    + " [" + HexFormat.of().formatHex(bytes.toByteArray()) + "]";
        }
    }

    // ---- what a socket sends ----

    /** How a sequence ends. */
    enum Ending {
        /** A ping frame and a ping event, the last steps, to see the socket still answers. */
        PROBE,
        /** Nothing: the gateway's timeouts must close the socket, a frame cut short or not. */
        SILENCE,
        /** The client's FIN: it went away. */
        HALF_CLOSE
    }

    /**
     * One thing a socket sends.
     *
     * @param what  what it is, for a failure's message
     * @param bytes the bytes on the wire
     */
    record Step(String what, byte[] bytes) {
        @Override
        public String toString() {
            String hex = HexFormat.of().formatHex(bytes, 0, Math.min(bytes.length, 40));
            return what + " (" + bytes.length + " bytes: " + hex + (bytes.length > 40 ? "…" : "") + ")";
        }
    }

    /**
     * What one socket sends, and how it ends.
     *
     * @param steps          the steps, in order, a probe's last
     * @param ending         what follows them
     * @param probe          the probe ping's payload, to tell its pong from others
     * @param close          the client's close frame, once the probe is answered
     * @param awaitCut       whether the client, once closed, waits for the gateway to end the connection
     * @param expected       what the gateway must do with the steps
     */
    record Sequence(List<Step> steps, Ending ending, byte[] probe, byte[] close, boolean awaitCut,
                    Expected expected) {

        @Override
        public String toString() {
            return steps + " then " + ending + (awaitCut ? ", waiting for the gateway to end a closed connection" : "")
                    + "; expected: " + expected;
        }
    }

    private static Sequence sequence(Random random) {
        List<Step> steps = new ArrayList<>();
        // Often authenticated first, so what follows meets an open socket with channels.
        if (random.nextInt(5) < 2) {
            steps.add(textStep("authenticate", authenticate(Fuzz.pick(random, VALID_TOKENS), ""), random));
        }
        // A quarter only send what the gateway takes without closing, so that it must still answer after them.
        boolean harmless = random.nextInt(4) == 0;
        for (int n = Fuzz.between(random, 1, 5); n > 0; n--) {
            steps.add(harmless ? harmlessStep(random) : step(random));
        }
        Ending ending = Ending.values()[Fuzz.weighted(random, 12, 4, 2)];
        if (ending == Ending.SILENCE && random.nextBoolean()) {
            Step last = steps.removeLast();
            if (last.bytes().length > 1) {
                int cut = 1 + random.nextInt(last.bytes().length - 1);
                last = new Step(last.what() + " cut after " + cut + " bytes",
                        Arrays.copyOf(last.bytes(), cut));
            }
            steps.add(last);
        }
        byte[] probe = ("probe:" + HexFormat.of().formatHex(mask(random))).getBytes(StandardCharsets.US_ASCII);
        if (ending == Ending.PROBE) {
            steps.add(new Step("probe: ping", frame(mask(random), 0x9, true, probe)));
            steps.add(textStep("probe: ping event", PING_EVENT, random));
        }
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        steps.forEach(step -> all.writeBytes(step.bytes()));
        byte[] close = frame(mask(random), 0x8, true, close(1000, new byte[0]));
        return new Sequence(List.copyOf(steps), ending, probe, close, random.nextInt(4) == 0,
                expect(all.toByteArray()));
    }

    private static Step step(Random random) {
        return switch (Fuzz.weighted(random, 8, 4, 1, 12, 2, 1)) {
            case 0 -> event(random, eventText(random));
            case 1 -> control(random);
            case 2 -> binary(random);
            case 3 -> mutated(random);
            case 4 -> invalidUtf8(random);
            default -> new Step("garbage", Fuzz.bytes(random, 64));
        };
    }

    private static Step harmlessStep(Random random) {
        return switch (Fuzz.weighted(random, 6, 3, 1)) {
            case 0 -> event(random, harmlessText(random));
            case 1 -> new Step(random.nextBoolean() ? "ping" : "pong",
                    frame(mask(random), random.nextBoolean() ? 0x9 : 0xA, true, Fuzz.bytes(random, 125)));
            default -> {
                Frame frame = new Frame(mask(random), 0x1, bytes(harmlessText(random)));
                frame.lengthBytes = random.nextBoolean() ? 2 : 8;
                yield new Step("length in a longer form than needed in " + frame, frame.encode());
            }
        };
    }

    // A text frame, whole or in fragments with control frames between them.
    private static Step event(Random random, String text) {
        if (random.nextInt(4) > 0) {
            return textStep("text " + Fuzz.show(abbreviated(text)), text, random);
        }
        return fragmented("fragmented text " + Fuzz.show(abbreviated(text)), bytes(text), random, true);
    }

    private static String eventText(Random random) {
        return switch (Fuzz.weighted(random, 8, 5, 2, 2)) {
            case 0 -> harmlessText(random);
            case 1 -> authenticate(junkToken(random), since(random));
            case 2 -> Fuzz.pick(random, "{\"event\":\"authenticate\"}", "{\"event\":\"authenticate\",\"data\":7}",
                    "{\"event\":\"authenticate\",\"data\":null}", "{\"event\":\"authenticate\",\"data\":[\"a.b.c\"]}");
            default -> {
                String text = random.nextBoolean() ? PING_EVENT : authenticate(Fuzz.pick(random, VALID_TOKENS), "");
                for (int edits = Fuzz.between(random, 1, 3); edits > 0; edits--) {
                    text = Fuzz.edit(random, text, INTERESTING);
                }
                yield text;
            }
        };
    }

    // Text the gateway answers without closing: events, valid tokens, and what it refuses with an error event.
    private static String harmlessText(Random random) {
        return switch (Fuzz.weighted(random, 3, 5, 4)) {
            case 0 -> PING_EVENT;
            case 1 -> authenticate(Fuzz.pick(random, VALID_TOKENS), since(random));
            default -> Fuzz.pick(random, "{\"event\":\"subscribe\",\"channel\":\"fuzz-1\"}", "{\"event\":7}",
                    "{\"data\":\"x\"}", "[1,2]", "hello", "", "null", "{\"event\":\"ping\"} x",
                    "{\"data\":\"" + VALID_TOKENS.getFirst() + "\",\"event\":\"authenticate\"}",
                    "{\"event\":\"ping\",\"x\":" + "[".repeat(70) + "]".repeat(70) + "}",
                    "{\"event\":\"ping\",\"n\":1e999999999}", "{\"event\":\"ping\",\"n\":" + "9".repeat(101) + "}",
                    "{\"event\":\"ping\",\"pad\":\"" + "x".repeat(990) + "\"}",
                    "{\"event\":\"e\u2028\u0085\",\"data\":\"\u0000\"}");
        };
    }

    private static String authenticate(String token, String since) {
        return "{\"event\":\"authenticate\",\"data\":" + Json.quote(token) + since + "}";
    }

    private static String since(Random random) {
        if (random.nextInt(3) > 0) {
            return "";
        }
        return ",\"since\":" + Fuzz.pick(random, "{}", "{\"fuzz-1\":\"0:0\"}",
                "{\"fuzz-1\":\"k3x9:17\",\"fuzz-2\":\"\"}", "{\"fuzz-1\":7}", "{\"fuzz-3\":{\"a\":[1]}}", "{\"bystander\":null}", "[]", "\"x\"", "null", "1e999",
                "{\"" + "c".repeat(300) + "\":\"1:1\"}");
    }

    private static String junkToken(Random random) {
        return switch (random.nextInt(4)) {
            case 0 -> Fuzz.pick(random, JUNK_TOKENS);
            case 1 -> {
                // An alg of any text with a line break or a terminal's control in it: refused, quoted in the log.
                String alg = Fuzz.anyString(random, 8) + Fuzz.pick(random, FORGED, "\n", "\r", "\u0085", "\u2028",
                        "\u2029", "\u001b[2J", "\u007f") + Fuzz.anyString(random, 8);
                yield b64(Json.write(Map.of("alg", alg))) + "." + b64("{\"channels\":[\"fuzz-1\"]}") + ".c2ln";
            }
            case 2 -> {
                String token = Fuzz.pick(random, VALID_TOKENS);
                for (int edits = Fuzz.between(random, 1, 3); edits > 0; edits--) {
                    token = Fuzz.edit(random, token, new char[] {'.', '=', '-', '_', 'A', '\n', '\u0000', 'é'});
                }
                yield token;
            }
            default -> Fuzz.anyString(random, 40);
        };
    }

    private static Step control(Random random) {
        byte[] mask = mask(random);
        return switch (random.nextInt(3)) {
            case 0 -> new Step("ping", frame(mask, 0x9, true, Fuzz.bytes(random, 125)));
            case 1 -> new Step("pong", frame(mask, 0xA, true, Fuzz.bytes(random, 125)));
            default -> {
                if (random.nextInt(4) == 0) {
                    yield new Step("close without a code", frame(mask, 0x8, true, new byte[0]));
                }
                int code = Fuzz.pick(random, VALID_CODES);
                String reason = Fuzz.string(random, "abc é✓😀", 0, 30);
                yield new Step("close " + code + " " + Fuzz.show(reason), frame(mask, 0x8, true, close(code,
                        bytes(reason))));
            }
        };
    }

    private static Step binary(Random random) {
        if (random.nextInt(4) == 0) {
            return fragmented("fragmented binary", Fuzz.bytes(random, 40), random, false);
        }
        return new Step("binary", frame(mask(random), 0x2, true, Fuzz.bytes(random, 40)));
    }

    // Text whose bytes are not UTF-8 somewhere: inside, at the end, or split over fragments.
    private static Step invalidUtf8(Random random) {
        boolean atEnd = random.nextInt(3) == 0;
        byte[] bad = atEnd ? Fuzz.pick(random, CUT_UTF8) : Fuzz.pick(random, INVALID_UTF8);
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        text.writeBytes(bytes("{\"event\":\"ping\",\"x\":\"é"));
        text.writeBytes(bad);
        if (!atEnd) {
            text.writeBytes(bytes("\"}"));
        }
        String what = "text with " + HexFormat.of().formatHex(bad) + (atEnd ? " at its end" : "");
        if (random.nextBoolean()) {
            return fragmented(what + ", fragmented", text.toByteArray(), random, true);
        }
        return new Step(what, frame(mask(random), 0x1, true, text.toByteArray()));
    }

    // Cut into two to four fragments, anywhere (inside a character too), with a ping or pong between some.
    private static Step fragmented(String what, byte[] payload, Random random, boolean text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int parts = Fuzz.between(random, 2, 4);
        int from = 0;
        for (int i = 0; i < parts; i++) {
            int to = i == parts - 1 ? payload.length : from + random.nextInt(payload.length - from + 1);
            int opcode = i > 0 ? 0x0 : text ? 0x1 : 0x2;
            out.writeBytes(frame(mask(random), opcode, i == parts - 1, Arrays.copyOfRange(payload, from, to)));
            if (i < parts - 1 && random.nextInt(3) == 0) {
                out.writeBytes(frame(mask(random), random.nextBoolean() ? 0x9 : 0xA, true, Fuzz.bytes(random, 8)));
            }
            from = to;
        }
        return new Step(what + " in " + parts, out.toByteArray());
    }

    // A frame that would be valid, with one thing wrong (or, for a longer length form, odd but allowed).
    private static Step mutated(Random random) {
        Frame frame = switch (random.nextInt(4)) {
            case 0 -> new Frame(mask(random), 0x1, bytes(eventText(random)));
            case 1 -> new Frame(mask(random), Fuzz.pick(random, 0x8, 0x9, 0xA), Fuzz.bytes(random, 20));
            case 2 -> new Frame(mask(random), 0x8, close(Fuzz.pick(random, VALID_CODES), bytes("bye")));
            default -> new Frame(mask(random), 0x2, Fuzz.bytes(random, 20));
        };
        // Twice as often: what ends in 1009, which only long declared lengths reach.
        return switch (Fuzz.weighted(random, 1, 1, 1, 1, 1, 2, 1, 1, 1, 2, 1, 1, 1, 1)) {
            case 0 -> {
                byte[] bytes = frame.encode();
                int bit = random.nextInt(8 * frame.headerLength());
                bytes[bit / 8] ^= (byte) (1 << bit % 8);
                yield new Step("bit " + bit + " of the header flipped in " + frame, bytes);
            }
            case 1 -> {
                frame.rsv = Fuzz.between(random, 1, 7);
                yield new Step("RSV bits set in " + frame, frame.encode());
            }
            case 2 -> {
                frame.opcode = Fuzz.pick(random, 0x3, 0x4, 0x5, 0x6, 0x7, 0xB, 0xC, 0xD, 0xE, 0xF);
                yield new Step("reserved opcode in " + frame, frame.encode());
            }
            case 3 -> {
                frame.masked = false;
                yield new Step("unmasked " + frame, frame.encode());
            }
            case 4 -> {
                frame.length = Math.max(0, frame.payload.length + Fuzz.between(random, -5, 20));
                yield new Step("declared length off in " + frame, frame.encode());
            }
            case 5 -> {
                frame.length = Fuzz.pick(random, Long.MAX_VALUE, Long.MIN_VALUE, 1L << 32, 1L << 40, 65_536L, 70_000L,
                        1025L, 65_535L);
                frame.lengthBytes = frame.length <= 65_535 && frame.length >= 0 && random.nextBoolean() ? 2 : 8;
                yield new Step("huge declared length in " + frame, frame.encode());
            }
            case 6 -> {
                frame.lengthBytes = random.nextBoolean() ? 2 : 8;
                yield new Step("length in a longer form than needed in " + frame, frame.encode());
            }
            case 7 -> {
                frame.opcode = Fuzz.pick(random, 0x8, 0x9, 0xA);
                frame.fin = false;
                yield new Step("fragmented control " + frame, frame.encode());
            }
            case 8 -> {
                frame.opcode = Fuzz.pick(random, 0x8, 0x9, 0xA);
                frame.payload = Fuzz.bytes(random, 80);
                frame.payload = Arrays.copyOf(frame.payload, 126 + frame.payload.length);
                yield new Step("control payload over 125 bytes in " + frame, frame.encode());
            }
            case 9 -> {
                byte[] text = bytes("{\"event\":\"ping\",\"pad\":\"" + "x".repeat(Fuzz.between(random, 1003, 3000))
                        + "\"}");
                if (random.nextBoolean()) {
                    yield new Step("text over the frame limit", frame(mask(random), 0x1, true, text));
                }
                yield fragmented("text over the frame limit", text, random, true);
            }
            case 10 -> {
                frame.opcode = 0x8;
                frame.payload = switch (random.nextInt(4)) {
                    case 0 -> new byte[] {0x03};
                    case 1 -> close(Fuzz.pick(random, INVALID_CODES), new byte[0]);
                    case 2 -> close(Fuzz.pick(random, VALID_CODES), Fuzz.pick(random, INVALID_UTF8));
                    default -> close(Fuzz.pick(random, VALID_CODES), bytes("r".repeat(123)));
                };
                yield new Step("close with an odd payload " + frame, frame.encode());
            }
            case 11 -> {
                frame.opcode = 0x0;
                yield new Step("continuation with no message started " + frame, frame.encode());
            }
            case 12 -> {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                out.writeBytes(frame(mask(random), 0x1, false, bytes("{\"event\":")));
                out.writeBytes(frame(mask(random), random.nextBoolean() ? 0x1 : 0x2, true, bytes("\"ping\"}")));
                yield new Step("a new message inside a fragmented one", out.toByteArray());
            }
            default -> {
                byte[] bytes = frame.encode();
                if (frame.payload.length > 0) {
                    int at = bytes.length - 1 - random.nextInt(frame.payload.length);
                    bytes[at] ^= (byte) (1 << random.nextInt(8));
                }
                yield new Step("payload bit flipped in " + frame, bytes);
            }
        };
    }

    private static Step textStep(String what, String text, Random random) {
        return new Step(what, frame(mask(random), 0x1, true, bytes(text)));
    }

    /** A client frame's fields, each settable, so that a mutation can get any one of them wrong. */
    private static final class Frame {
        boolean fin = true;
        int rsv;
        int opcode;
        boolean masked = true;
        // The declared length, -1 for the payload's; and the extended length's bytes, -1 for the shortest form.
        long length = -1;
        int lengthBytes = -1;
        byte[] payload;
        final byte[] mask;

        Frame(byte[] mask, int opcode, byte[] payload) {
            this.opcode = opcode;
            this.payload = payload;
            this.mask = mask;
        }

        long declared() {
            return length < 0 ? payload.length : length;
        }

        int extendedBytes() {
            if (lengthBytes >= 0) {
                return lengthBytes;
            }
            long n = declared();
            return n < 126 ? 0 : n < 65_536 ? 2 : 8;
        }

        int headerLength() {
            return 2 + extendedBytes() + (masked ? 4 : 0);
        }

        byte[] encode() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write((fin ? 0x80 : 0) | (rsv & 0x7) << 4 | opcode & 0xF);
            int extended = extendedBytes();
            long n = declared();
            out.write((masked ? 0x80 : 0) | (extended == 0 ? (int) n : extended == 2 ? 126 : 127));
            for (int i = extended - 1; i >= 0; i--) {
                out.write((int) (n >>> (8 * i)));
            }
            if (masked) {
                out.writeBytes(mask);
            }
            for (int i = 0; i < payload.length; i++) {
                out.write(payload[i] ^ (masked ? mask[i & 3] : 0));
            }
            return out.toByteArray();
        }

        @Override
        public String toString() {
            return "frame[fin=" + fin + ", rsv=" + rsv + ", opcode=" + opcode + ", masked=" + masked + ", length="
                    + declared() + " in " + extendedBytes() + " extra bytes, " + payload.length + " bytes of payload]";
        }
    }

    private static byte[] frame(byte[] mask, int opcode, boolean fin, byte[] payload) {
        Frame frame = new Frame(mask, opcode, payload);
        frame.fin = fin;
        return frame.encode();
    }

    private static byte[] close(int code, byte[] reason) {
        byte[] payload = new byte[2 + reason.length];
        payload[0] = (byte) (code >>> 8);
        payload[1] = (byte) code;
        System.arraycopy(reason, 0, payload, 2, reason.length);
        return payload;
    }

    /**
     * What the gateway must do with these bytes, worked out as RFC 6455 section 5 and the protocol have a server read
     * them, frame by frame: the close the first decisive frame calls for (a broken rule, a binary frame, a message
     * over the limit, text that is not UTF-8, a refused token, the client's own close), or none when the bytes end
     * first. Several rules broken in one frame: framing (1002) before the others, as the gateway checks them.
     */
    private static Expected expect(byte[] bytes) {
        Set<String> channels = new HashSet<>();
        boolean authenticated = false;
        ByteArrayOutputStream message = null;
        int at = 0;
        for (int frame = 1; ; frame++) {
            String where = "frame " + frame + " at byte " + at;
            if (at + 2 > bytes.length) {
                return new Expected(null, null, authenticated, "the bytes end before " + where);
            }
            int b0 = bytes[at] & 0xFF;
            int b1 = bytes[at + 1] & 0xFF;
            boolean fin = (b0 & 0x80) != 0;
            int opcode = b0 & 0x0F;
            if ((b0 & 0x70) != 0 || (b1 & 0x80) == 0) {
                return new Expected(CloseReason.PROTOCOL_ERROR, null, authenticated, "RSV bits or no mask in " + where);
            }
            long length = b1 & 0x7F;
            int header = 2;
            if (length >= 126) {
                int extended = length == 126 ? 2 : 8;
                if (at + 2 + extended > bytes.length) {
                    return new Expected(null, null, authenticated, "the bytes end inside the length of " + where);
                }
                length = 0;
                for (int i = 0; i < extended; i++) {
                    length = length << 8 | bytes[at + 2 + i] & 0xFF;
                }
                header += extended;
            }
            boolean control = opcode >= 0x8;
            if (length < 0 || control && (!fin || length > 125) || opcode > 0x2 && opcode < 0x8 || opcode > 0xA
                    || opcode == 0x0 && message == null || opcode != 0x0 && !control && message != null) {
                return new Expected(CloseReason.PROTOCOL_ERROR, null, authenticated, "a framing rule broken by "
                        + where);
            }
            if (opcode == 0x2) {
                return new Expected(CloseReason.BINARY_FRAME, null, authenticated, "binary " + where);
            }
            if (!control && (message == null ? 0 : message.size()) + length > LIMITS.maxFrameBytes()) {
                return new Expected(CloseReason.FRAME_TOO_LARGE, null, authenticated, "a message over the limit in "
                        + where);
            }
            if (at + header + 4 + length > bytes.length) {
                return new Expected(null, null, authenticated, "the bytes end inside " + where);
            }
            byte[] payload = new byte[(int) length];
            for (int i = 0; i < payload.length; i++) {
                payload[i] = (byte) (bytes[at + header + 4 + i] ^ bytes[at + header + i % 4]);
            }
            at += header + 4 + payload.length;
            if (opcode == 0x8) {
                if (payload.length == 0) {
                    return new Expected(null, 1000, authenticated, "a close without a code in " + where);
                }
                int code = payload.length < 2 ? -1 : (payload[0] & 0xFF) << 8 | payload[1] & 0xFF;
                if (!FrameReader.validOnTheWire(code)) {
                    return new Expected(CloseReason.PROTOCOL_ERROR, null, authenticated, "close code " + code
                            + " in " + where);
                }
                if (!utf8(Arrays.copyOfRange(payload, 2, payload.length), true)) {
                    return new Expected(CloseReason.INVALID_UTF8, null, authenticated, "a close reason in " + where);
                }
                return new Expected(null, code, authenticated, "close " + code + " in " + where);
            }
            if (control) {
                continue;
            }
            if (message == null) {
                message = new ByteArrayOutputStream();
            }
            message.writeBytes(payload);
            if (!utf8(message.toByteArray(), fin)) {
                return new Expected(CloseReason.INVALID_UTF8, null, authenticated, "text not UTF-8 by " + where);
            }
            if (!fin) {
                continue;
            }
            String text = message.toString(StandardCharsets.UTF_8);
            message = null;
            ClientFrame event;
            try {
                event = ClientFrame.decode(text);
            } catch (InvalidFrameException e) {
                continue; // an error event
            }
            if (event instanceof ClientFrame.Authenticate authenticate) {
                SubscribeClaims claims;
                try {
                    claims = TOKENS.verifySubscribe(authenticate.token());
                } catch (TokenException e) {
                    return new Expected(CloseReason.NOT_AUTHORIZED, null, authenticated, "a token refused ("
                            + e.reason().label() + ") in " + where);
                }
                Set<String> fresh = new HashSet<>(claims.channels());
                fresh.removeAll(channels);
                // Over the limit, an error event; the socket keeps what it had.
                if (channels.size() + fresh.size() <= LIMITS.maxChannelsPerSocket()) {
                    channels.addAll(fresh);
                    authenticated = true;
                }
            }
        }
    }

    // RFC 3629 section 4: whether the bytes are UTF-8 so far (the last character may be cut short unless complete).
    private static boolean utf8(byte[] bytes, boolean complete) {
        int i = 0;
        while (i < bytes.length) {
            int b = bytes[i] & 0xFF;
            if (b < 0x80) {
                i++;
                continue;
            }
            int more;
            int low = 0x80;
            int high = 0xBF;
            if (b >= 0xC2 && b <= 0xDF) {
                more = 1;
            } else if (b >= 0xE0 && b <= 0xEF) {
                more = 2;
                low = b == 0xE0 ? 0xA0 : 0x80;
                high = b == 0xED ? 0x9F : 0xBF;
            } else if (b >= 0xF0 && b <= 0xF4) {
                more = 3;
                low = b == 0xF0 ? 0x90 : 0x80;
                high = b == 0xF4 ? 0x8F : 0xBF;
            } else {
                return false;
            }
            for (int k = 1; k <= more; k++) {
                if (i + k == bytes.length) {
                    return !complete;
                }
                int c = bytes[i + k] & 0xFF;
                if (c < (k == 1 ? low : 0x80) || c > (k == 1 ? high : 0xBF)) {
                    return false;
                }
            }
            i += more + 1;
        }
        return true;
    }

    private static byte[] mask(Random random) {
        byte[] mask = new byte[4];
        random.nextBytes(mask);
        return mask;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String b64(String text) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes(text));
    }

    private static String abbreviated(String text) {
        return text.length() > 60 ? text.substring(0, 60) + "…" : text;
    }

    // ---- the bystander ----

    /**
     * A socket on the bystander channel whose reads run on a thread of their own, so that it answers the gateway's
     * pings all through the fuzzing, as a browser would.
     */
    private static final class Bystander implements AutoCloseable {
        private final WsClient client;
        // Frames, or the exception that ended the reads.
        private final BlockingQueue<Object> received = new LinkedBlockingQueue<>();
        private final Thread reader;

        Bystander(WsClient client) {
            this.client = client;
            this.reader = Thread.ofPlatform().daemon().name("fuzz-bystander").start(this::read);
        }

        private void read() {
            // Bounded: one broadcast is all it should get, and closing the socket ends the read.
            for (int frames = 0; frames < 100; frames++) {
                try {
                    received.add(client.next(RUN_LIMIT));
                } catch (IOException e) {
                    received.add(e);
                    return;
                }
            }
        }

        String nextText(Duration timeout) throws InterruptedException {
            Object next = received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (next instanceof WsClient.Frame frame && frame.opcode() == 0x1) {
                return frame.text();
            }
            return fail("the bystander got " + (next == null ? "nothing within " + timeout : next));
        }

        @Override
        public void close() {
            client.close();
            try {
                reader.join(WAIT.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
