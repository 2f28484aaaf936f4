package io.bifrost.gateway.ws;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.bifrost.gateway.Gateway;
import io.bifrost.gateway.config.Limits;
import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.gateway.testkit.WsClient;
import io.bifrost.protocol.HmacAlgorithm;
import org.junit.jupiter.api.Test;

import static io.bifrost.gateway.testkit.TestGateway.WAIT;
import static io.bifrost.gateway.testkit.TestGateway.broadcast;
import static io.bifrost.gateway.testkit.TestGateway.subscribed;
import static io.bifrost.gateway.testkit.TestGateway.tokens;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Timers of a socket's life: authentication timeout, server pings and the ping timeout, and token expiry that is
 * checked when the token is used and never later.
 */
class SessionLifecycleIT {
    private static final Limits FAST = Limits.DEFAULTS
            .withAuthTimeout(Duration.ofSeconds(1))
            .withPingInterval(Duration.ofMillis(500));

    @Test
    void socketThatNeverAuthenticatesIsClosedAfterTheTimeout() throws Exception {
        try (Gateway gateway = TestGateway.start(FAST);
             WsClient client = WsClient.connect(gateway.uri())) {
            assertEquals(new WsClient.Close(1008, "Authentication timeout"), client.awaitClose(WAIT));
        }
    }

    @Test
    void serverSendsPingFramesAndASocketThatAnswersStaysOpen() throws Exception {
        try (Gateway gateway = TestGateway.start(FAST);
             WsClient client = WsClient.connect(gateway.uri())) {
            client.authenticate(tokens().subscribeToken(List.of("beat"), null));
            assertEquals(subscribed("beat"), client.nextText(WAIT));
            for (int i = 0; i < 3; i++) {
                WsClient.Frame ping = client.nextPing(WAIT);
                client.sendFrame(0xA, ping.payload(), true);
            }
            assertEquals(200, broadcast(gateway, "beat", "alive", "yes").status());
            assertEquals("{\"event\":\"alive\",\"data\":\"yes\"}", client.nextText(WAIT));
        }
    }

    @Test
    void socketThatDoesNotAnswerPingsIsClosedWith4001() throws Exception {
        try (Gateway gateway = TestGateway.start(FAST.withAuthTimeout(Duration.ofMinutes(1)));
             WsClient client = WsClient.connect(gateway.uri())) {
            client.authenticate(tokens().subscribeToken(List.of("silent"), null));
            assertEquals(subscribed("silent"), client.nextText(WAIT));
            client.answerPings(false);
            assertEquals(new WsClient.Close(4001, "Ping timeout"), client.awaitClose(WAIT));
        }
    }

    @Test
    void subscribeTokenExpiryIsCheckedAtAuthenticationAndNeverLater() throws Exception {
        try (Gateway gateway = TestGateway.start();
             WsClient client = WsClient.connect(gateway.uri())) {
            long exp = Instant.now().getEpochSecond() + 2;
            client.authenticate(tokens().mint(Map.of("channels", List.of("short-lived"), "exp", exp),
                    HmacAlgorithm.HS512));
            assertEquals(subscribed("short-lived"), client.nextText(WAIT));
            while (Instant.now().getEpochSecond() <= exp + 1) {
                Thread.sleep(100);
            }
            assertEquals(200, broadcast(gateway, "short-lived", "after", "expiry").status());
            assertEquals("{\"event\":\"after\",\"data\":\"expiry\"}", client.nextText(WAIT));
        }
    }

    @Test
    void expiredSubscribeTokenIsNotAuthorized() throws Exception {
        try (Gateway gateway = TestGateway.start();
             WsClient client = WsClient.connect(gateway.uri())) {
            long exp = Instant.now().getEpochSecond() - 10;
            client.authenticate(tokens().mint(Map.of("channels", List.of("late"), "exp", exp), HmacAlgorithm.HS512));
            assertEquals(new WsClient.Close(1008, "Not Authorized!"), client.awaitClose(WAIT));
            assertEquals(1, gateway.stats().authFailures());
        }
    }

    @Test
    void unsignedSubscribeTokenIsNotAuthorized() throws Exception {
        try (Gateway gateway = TestGateway.start();
             WsClient client = WsClient.connect(gateway.uri())) {
            var b64 = java.util.Base64.getUrlEncoder().withoutPadding();
            String token = b64.encodeToString("{\"alg\":\"none\"}".getBytes()) + "."
                    + b64.encodeToString("{\"channels\":[\"user:1\"]}".getBytes()) + ".";
            client.authenticate(token);
            assertEquals(new WsClient.Close(1008, "Not Authorized!"), client.awaitClose(WAIT));
        }
    }

    @Test
    void hs256AndHs384TokensAreAcceptedWithTheSameSecret() throws Exception {
        try (Gateway gateway = TestGateway.start();
             WsClient client = WsClient.connect(gateway.uri())) {
            client.authenticate(tokens().mint(Map.of("channels", List.of("a256")), HmacAlgorithm.HS256));
            assertEquals(subscribed("a256"), client.nextText(WAIT));
            client.authenticate(tokens().mint(Map.of("channels", List.of("a384")), HmacAlgorithm.HS384));
            assertEquals(subscribed("a384"), client.nextText(WAIT));
        }
    }

    @Test
    void tokenListingMoreChannelsThanAllowedGetsAnErrorAndJoinsNothing() throws Exception {
        try (Gateway gateway = TestGateway.start(Limits.DEFAULTS.withMaxChannelsPerSocket(2));
             WsClient client = WsClient.connect(gateway.uri())) {
            client.authenticate(tokens().subscribeToken(List.of("c1", "c2", "c3"), null));
            assertEquals("{\"event\":\"error\",\"data\":\"{\\\"error\\\":\\\"token lists 3 new channels and this socket"
                    + " has 0; a socket may join at most 2\\\"}\"}", client.nextText(WAIT));
            assertEquals("{\"message\":\"Success\",\"deliveries\":0}", broadcast(gateway, "c1", "e", "d").body());
        }
    }
}
