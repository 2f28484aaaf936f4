package io.bifrost.gateway.http;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.time.Duration;
import java.util.OptionalLong;

import io.bifrost.gateway.bus.BehindException;
import io.bifrost.gateway.config.RecoverySettings;
import io.bifrost.gateway.bus.Bus;
import io.bifrost.gateway.bus.BusUnavailableException;
import io.bifrost.gateway.bus.Publication;
import io.bifrost.gateway.bus.Published;
import io.bifrost.gateway.hub.WireFrame;
import io.bifrost.gateway.ops.LogLimiter;
import io.bifrost.gateway.ops.LogText;
import io.bifrost.gateway.ops.Stats;
import io.bifrost.protocol.BroadcastClaims;
import io.bifrost.protocol.InvalidJsonException;
import io.bifrost.protocol.Json;
import io.bifrost.protocol.TokenException;
import io.bifrost.protocol.Tokens;

import io.helidon.common.media.type.MediaTypes;
import io.helidon.http.HeaderValues;
import io.helidon.http.HttpMediaType;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code POST /broadcast}: verify the token, encode the frame once, publish it, answer with the delivery count.
 * Every caller mistake gets a 4xx naming it; a broadcast the bus cannot take gets 503, never 200. Every error text
 * is ours: no exception's or library's message reaches the caller.
 */
public final class BroadcastHandler implements Handler {
    private static final System.Logger LOG = System.getLogger(BroadcastHandler.class.getName());

    /** What a held-back broadcast's 503 asks the caller to wait, in seconds. */
    private static final String RETRY_AFTER_SECONDS = "1";

    private final Tokens tokens;
    private final Bus bus;
    private final Stats stats;
    private final int maxBodyBytes;
    private final Duration backlogWait;
    private final RecoverySettings recovery;
    // Refusals a publisher or an outage repeats at request rate: one line, then one a minute with a count, per kind.
    private final LogLimiter refusals = new LogLimiter();

    /**
     * @param tokens       verifies broadcast tokens
     * @param bus          where accepted broadcasts go
     * @param stats        counters
     * @param maxBodyBytes largest body accepted
     * @param backlogWait  how long a broadcast held back by a backlog waits before it gets 503
     * @param recovery     the publishing rules: jti required or not, its window, the batch limit
     */
    public BroadcastHandler(Tokens tokens, Bus bus, Stats stats, int maxBodyBytes, Duration backlogWait,
                            RecoverySettings recovery) {
        this.tokens = tokens;
        this.bus = bus;
        this.stats = stats;
        this.maxBodyBytes = maxBodyBytes;
        this.backlogWait = backlogWait;
        this.recovery = recovery;
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        long start = System.nanoTime();
        try {
            answer(req, res, start);
        } finally {
            stats.broadcastRequest().recordNanos(System.nanoTime() - start);
        }
    }

    private void answer(ServerRequest req, ServerResponse res, long start) {
        if (!json(req)) {
            reply(res, Status.BAD_REQUEST_400, "Content-Type must be application/json, with a body like"
                    + " {\"token\":\"<JWT>\"}");
            return;
        }
        OptionalLong declared = req.headers().contentLength();
        if (declared.isPresent() && declared.getAsLong() > maxBodyBytes) {
            refuse(res, Stats.Refusal.TOO_LARGE, Status.REQUEST_ENTITY_TOO_LARGE_413,
                    JsonReply.object("error", tooLarge()));
            return;
        }
        byte[] body;
        try (InputStream in = req.content().inputStream()) {
            // Exactly the declared length when there is one; a chunked body is read up to one byte past the limit.
            body = declared.isPresent() ? in.readNBytes((int) declared.getAsLong()) : in.readNBytes(maxBodyBytes + 1);
        } catch (IOException | RuntimeException e) {
            // The body's framing is broken or the client went away: nothing after it can be trusted to be a request.
            reply(res.header(HeaderValues.CONNECTION_CLOSE), Status.BAD_REQUEST_400,
                    "could not read the request body: it is shorter than its Content-Length or malformed");
            return;
        }
        if (body.length > maxBodyBytes) {
            refuse(res, Stats.Refusal.TOO_LARGE, Status.REQUEST_ENTITY_TOO_LARGE_413,
                    JsonReply.object("error", tooLarge()));
            return;
        }
        Map<String, Object> request;
        try {
            request = Json.parseObject(new String(body, StandardCharsets.UTF_8));
        } catch (InvalidJsonException e) {
            reply(res, Status.BAD_REQUEST_400, "body is " + e.getMessage() + "; send {\"token\":\"<JWT>\"}");
            return;
        }
        Object token = request.get("token");
        if (token == null) {
            reply(res, Status.BAD_REQUEST_400, "body has no \"token\"; send {\"token\":\"<JWT>\"}");
            return;
        }
        if (!(token instanceof String jwt)) {
            reply(res, Status.BAD_REQUEST_400, "\"token\" must be a string holding a JWT");
            return;
        }
        BroadcastClaims claims;
        try {
            claims = tokens.verifyBroadcast(jwt);
        } catch (TokenException e) {
            refusals.log(LOG, Level.INFO, "token:" + e.reason().label(),
                    () -> "broadcast refused: " + e.reason().label() + " (" + LogText.of(e.getMessage()) + ")");
            if (e.reason() == TokenException.Reason.MISSING_CLAIM || e.reason() == TokenException.Reason.INVALID_CLAIM) {
                reply(res, Status.BAD_REQUEST_400, e.getMessage());
            } else {
                // Bifrost's answer, which existing clients expect; the precise reason rides alongside.
                refuse(res, Stats.Refusal.BAD_TOKEN, Status.BAD_REQUEST_400,
                        JsonReply.object("error", "Bad signature", "reason", e.getMessage()));
            }
            return;
        }
        // Encoded once here; every socket on every instance gets these same bytes.
        if (claims.channels().size() > recovery.maxBatchChannels()) {
            reply(res, Status.BAD_REQUEST_400, "\"channels\" names " + claims.channels().size()
                    + " channels; a batch may name at most " + recovery.maxBatchChannels()
                    + " (BIFROST_MAX_BATCH_CHANNELS)");
            return;
        }
        if (recovery.requireJti() && claims.jti().isEmpty()) {
            reply(res, Status.BAD_REQUEST_400, "token has no \"jti\"; this gateway requires one on every broadcast"
                    + " (BIFROST_REQUIRE_JTI), a unique string such as a UUID");
            return;
        }
        WireFrame frame = WireFrame.text(claims.message().encode());
        Publication publication = new Publication(claims.channels(), frame, claims.jti(), jtiTtl(claims));
        Published published;
        try {
            published = publish(publication, start + backlogWait.toNanos());
        } catch (BehindException e) {
            // Its message is ours: which instance is behind, and by how much.
            refuse(res.header("Retry-After", RETRY_AFTER_SECONDS), Stats.Refusal.BACKLOG,
                    Status.SERVICE_UNAVAILABLE_503, JsonReply.object("error", e.getMessage()
                            + "; the broadcast was not sent, retry after " + RETRY_AFTER_SECONDS + " s"));
            return;
        } catch (BusUnavailableException e) {
            // Its message may quote the Redis client: it goes to the log, and the caller gets ours.
            refusals.log(LOG, Level.WARNING, "unavailable",
                    () -> "broadcast to " + LogText.of(claims.channels().getFirst()) + " refused: " + e.getMessage());
            refuse(res.header("Retry-After", RETRY_AFTER_SECONDS), Stats.Refusal.UNAVAILABLE,
                    Status.SERVICE_UNAVAILABLE_503, JsonReply.object("error", "the message bus (Redis) is unavailable;"
                            + " the broadcast was not sent, retry after " + RETRY_AFTER_SECONDS + " s"));
            return;
        }
        if (published.duplicate()) {
            stats.broadcastDuplicate();
            res.status(Status.OK_200).header(HeaderValues.CONTENT_TYPE_JSON)
                    .send("{\"message\":\"Success\",\"deliveries\":0,\"duplicate\":true}");
            return;
        }
        stats.broadcastAccepted();
        // The one answer sent thousands of times a second: built without a JSON generator.
        res.status(Status.OK_200).header(HeaderValues.CONTENT_TYPE_JSON)
                .send("{\"message\":\"Success\",\"deliveries\":" + published.deliveries() + "}");
    }

    // A broadcast held back by a backlog waits for the instance that is behind to catch up, then goes (or its wait
    // runs out): the request itself slows the publisher to the pace the sockets are written at, and a held
    // broadcast costs Redis one more publish step when it goes, not one per retry.
    private Published publish(Publication publication, long deadline) throws BusUnavailableException {
        boolean held = false;
        while (true) {
            try {
                return bus.publish(publication);
            } catch (BehindException e) {
                if (!held) {
                    held = true;
                    stats.broadcastHeld();
                }
                if (!bus.awaitCaughtUp(e, deadline)) {
                    throw e;
                }
            }
        }
    }

    private static boolean json(ServerRequest req) {
        try {
            return req.headers().contentType()
                    .map(type -> type.test(HttpMediaType.create(MediaTypes.APPLICATION_JSON)))
                    .orElse(false);
        } catch (RuntimeException e) {
            // A Content-Type Helidon cannot parse ("application/json;;x") is not JSON: our 400, not its empty one.
            return false;
        }
    }

    // A jti is remembered while its token could be posted again (until its exp), within the window.
    private Duration jtiTtl(BroadcastClaims claims) {
        Duration window = recovery.jtiWindow();
        return claims.expiresAt()
                .map(exp -> Duration.between(java.time.Instant.now(), exp).plusSeconds(1))
                .filter(left -> left.compareTo(window) < 0)
                .map(left -> left.isNegative() || left.isZero() ? Duration.ofSeconds(1) : left)
                .orElse(window);
    }

    private String tooLarge() {
        return "body is larger than " + maxBodyBytes + " bytes (BIFROST_MAX_BODY_BYTES)";
    }

    private void reply(ServerResponse res, Status status, String error) {
        refuse(res, Stats.Refusal.BAD_REQUEST, status, JsonReply.object("error", error));
    }

    private void refuse(ServerResponse res, Stats.Refusal why, Status status, Map<String, Object> body) {
        stats.broadcastRefused(why);
        JsonReply.send(res, status, body);
    }
}
