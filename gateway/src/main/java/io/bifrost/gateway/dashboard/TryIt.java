package io.bifrost.gateway.dashboard;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import io.bifrost.gateway.config.Mode;
import io.bifrost.gateway.http.JsonReply;
import io.bifrost.gateway.http.Loopback;
import io.bifrost.protocol.InvalidJsonException;
import io.bifrost.protocol.Json;
import io.bifrost.protocol.Tokens;

import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code POST /dashboard/try}: the "try it" panel's tokens, in development only and to a browser on this machine only
 * (the policy of {@code /test}): {@code {"channel":"c"}} gets a subscribe token for it, {@code {"channel":"c",
 * "event":"e","data":...}} a broadcast token for that message, which the page then posts to {@code /broadcast} as a
 * backend would. JSON only, so another site's page cannot make a browser call it without a CORS preflight, which the
 * gateway does not grant.
 */
final class TryIt implements Handler {
    private static final int MAX_BODY = 16 * 1024;
    private static final Duration SUBSCRIBE_TTL = Duration.ofHours(1);
    private static final Duration BROADCAST_TTL = Duration.ofMinutes(1);

    private final Mode mode;
    private final Tokens tokens;

    TryIt(Mode mode, Tokens tokens) {
        this.mode = mode;
        this.tokens = tokens;
    }

    /**
     * @param req the request for the page
     * @return whether the page may show the panel
     */
    boolean allowed(ServerRequest req) {
        return mode == Mode.DEVELOPMENT && Loopback.fromThisMachine(req);
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        if (!allowed(req)) {
            JsonReply.send(res, Status.NOT_FOUND_404, JsonReply.object("error", "the try-it panel is served in"
                    + " development only, to a browser on the gateway's own machine"));
            return;
        }
        if (!req.headers().contentType().map(t -> t.test(io.helidon.common.media.type.MediaTypes.APPLICATION_JSON))
                .orElse(false)) {
            reply(res, "Content-Type must be application/json");
            return;
        }
        OptionalLong length = req.headers().contentLength();
        if (length.isEmpty() || length.getAsLong() > MAX_BODY) {
            reply(res, "send a JSON body of at most " + MAX_BODY + " bytes, with Content-Length");
            return;
        }
        Map<String, Object> body;
        try (InputStream in = req.content().inputStream()) {
            body = Json.parseObject(new String(in.readNBytes((int) length.getAsLong()), StandardCharsets.UTF_8));
        } catch (InvalidJsonException e) {
            reply(res, "the body is " + e.getMessage() + "; send {\"channel\":\"...\"}");
            return;
        } catch (IOException | RuntimeException e) {
            reply(res.header(HeaderValues.CONNECTION_CLOSE), "could not read the request body");
            return;
        }
        if (!(body.get("channel") instanceof String channel) || channel.isEmpty()
                || channel.length() > Tokens.MAX_CHANNEL_LENGTH) {
            reply(res, "\"channel\" must be a string of 1 to " + Tokens.MAX_CHANNEL_LENGTH + " characters");
            return;
        }
        if (body.get("event") == null) {
            JsonReply.send(res, Status.OK_200, JsonReply.object("subscribe",
                    tokens.subscribeToken(List.of(channel), SUBSCRIBE_TTL)));
            return;
        }
        if (!(body.get("event") instanceof String event) || event.isEmpty()) {
            reply(res, "\"event\" must be a non-empty string");
            return;
        }
        Map<String, Object> message = JsonReply.object("event", event, "data", body.get("data"));
        JsonReply.send(res, Status.OK_200, JsonReply.object("broadcast",
                tokens.broadcastToken(channel, message, BROADCAST_TTL)));
    }

    private static void reply(ServerResponse res, String error) {
        JsonReply.send(res, Status.BAD_REQUEST_400, JsonReply.object("error", error));
    }
}
