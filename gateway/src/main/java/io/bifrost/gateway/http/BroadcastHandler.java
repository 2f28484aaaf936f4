package io.bifrost.gateway.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.OptionalLong;

import io.bifrost.gateway.bus.Bus;
import io.bifrost.gateway.bus.BusUnavailableException;
import io.bifrost.gateway.hub.WireFrame;
import io.bifrost.gateway.ops.Stats;
import io.bifrost.protocol.BroadcastClaims;
import io.bifrost.protocol.InvalidJsonException;
import io.bifrost.protocol.Json;
import io.bifrost.protocol.TokenException;
import io.bifrost.protocol.Tokens;

import io.helidon.common.media.type.MediaTypes;
import io.helidon.http.HttpMediaType;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code POST /broadcast}: verify the token, encode the frame once, publish it, answer with the delivery count.
 * Every caller mistake gets a 4xx naming it; a broadcast the bus cannot take gets 503, never 200.
 */
public final class BroadcastHandler implements Handler {
    private static final System.Logger LOG = System.getLogger(BroadcastHandler.class.getName());

    private final Tokens tokens;
    private final Bus bus;
    private final Stats stats;
    private final int maxBodyBytes;

    /**
     * @param tokens       verifies broadcast tokens
     * @param bus          where accepted broadcasts go
     * @param stats        counters
     * @param maxBodyBytes largest body accepted
     */
    public BroadcastHandler(Tokens tokens, Bus bus, Stats stats, int maxBodyBytes) {
        this.tokens = tokens;
        this.bus = bus;
        this.stats = stats;
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        long start = System.nanoTime();
        try {
            answer(req, res);
        } finally {
            stats.broadcastRequest().recordNanos(System.nanoTime() - start);
        }
    }

    private void answer(ServerRequest req, ServerResponse res) {
        boolean json = req.headers().contentType()
                .map(type -> type.test(HttpMediaType.create(MediaTypes.APPLICATION_JSON)))
                .orElse(false);
        if (!json) {
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
            body = in.readNBytes(maxBodyBytes + 1);
        } catch (IOException | UncheckedIOException e) {
            reply(res, Status.BAD_REQUEST_400, "could not read the request body: " + e.getMessage());
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
            LOG.log(Level.INFO, "broadcast refused: " + e.reason().label() + " (" + e.getMessage() + ")");
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
        WireFrame frame = WireFrame.text(claims.message().encode());
        int deliveries;
        try {
            deliveries = bus.publish(claims.channel(), frame);
        } catch (BusUnavailableException e) {
            LOG.log(Level.WARNING, "broadcast to " + claims.channel() + " refused: " + e.getMessage());
            refuse(res, Stats.Refusal.UNAVAILABLE, Status.SERVICE_UNAVAILABLE_503, JsonReply.object("error", e.getMessage()));
            return;
        }
        stats.broadcastAccepted();
        JsonReply.send(res, Status.OK_200, JsonReply.object("message", "Success", "deliveries", deliveries));
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
