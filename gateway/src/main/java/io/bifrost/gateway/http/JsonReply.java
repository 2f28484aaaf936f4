package io.bifrost.gateway.http;

import java.util.LinkedHashMap;
import java.util.Map;

import io.bifrost.protocol.Json;

import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;

/**
 * How every JSON answer is sent: status, content type, compact body.
 */
public final class JsonReply {
    private JsonReply() {
    }

    /**
     * @param res    the response
     * @param status its status
     * @param body   the object sent, in its iteration order
     */
    public static void send(ServerResponse res, Status status, Map<String, ?> body) {
        res.status(status)
                .header(HeaderValues.CONTENT_TYPE_JSON)
                .send(Json.write(body));
    }

    /**
     * @param keysAndValues key, value, key, value...
     * @return a map that keeps that order
     */
    public static Map<String, Object> object(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }
}
