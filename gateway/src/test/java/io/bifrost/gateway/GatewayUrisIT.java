package io.bifrost.gateway;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.bifrost.gateway.config.GatewayConfig;
import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.protocol.BifrostClient;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The two URIs an embedding test needs: the HTTP base for the backend client, the websocket one for subscribers. */
class GatewayUrisIT {

    @Test
    void uriIsTheHttpBaseAndWebsocketUriOpensInTheJdkClient() throws Exception {
        try (Gateway gateway = Gateway.start(GatewayConfig.embedded(TestGateway.SECRET));
             HttpClient http = HttpClient.newHttpClient()) {
            assertEquals(URI.create("http://127.0.0.1:" + gateway.port() + "/"), gateway.uri());
            assertEquals(URI.create("ws://127.0.0.1:" + gateway.port() + "/subscribe"), gateway.websocketUri());
            assertEquals(200, http.send(HttpRequest.newBuilder(gateway.uri().resolve("/health/live")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode());

            BlockingQueue<String> frames = new LinkedBlockingQueue<>();
            WebSocket socket = http.newWebSocketBuilder().buildAsync(gateway.websocketUri(), new WebSocket.Listener() {
                @Override
                public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                    frames.add(data.toString());
                    webSocket.request(1);
                    return null;
                }
            }).get(10, TimeUnit.SECONDS);
            String token = new BifrostClient(gateway.uri(), TestGateway.SECRET)
                    .tokenFor(List.of("user:1"), Duration.ofMinutes(1));
            socket.sendText("{\"event\":\"authenticate\",\"data\":\"" + token + "\"}", true).get(10, TimeUnit.SECONDS);
            assertEquals(TestGateway.subscribed("user:1"), frames.poll(10, TimeUnit.SECONDS));
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "").get(10, TimeUnit.SECONDS);
        }
    }
}
