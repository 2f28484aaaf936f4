package io.bifrost.gateway.bus;

import java.util.Map;
import java.util.Optional;

import io.bifrost.protocol.InvalidJsonException;
import io.bifrost.protocol.Json;

/**
 * What one instance says about itself in its heartbeat, once a second, for the dashboard's cluster view. Written as a
 * small JSON object beside its socket count; nothing of it is on the publish path.
 *
 * @param id                  the instance ({@code BIFROST_INSTANCE_ID})
 * @param sockets             open sockets
 * @param channels            channels with at least one of its sockets
 * @param deliveriesPerSecond deliveries queued to its sockets per second, over the last heartbeat interval
 * @param backlog             deliveries queued and not yet written (against {@code BIFROST_MAX_BACKLOG})
 * @param redisUp             whether its bus was up as it wrote this
 * @param draining            whether it is draining before it stops
 */
public record InstanceReport(String id, long sockets, long channels, double deliveriesPerSecond, long backlog,
                             boolean redisUp, boolean draining) {

    /**
     * @return the compact JSON written to Redis
     */
    public String toJson() {
        return Json.write(Map.of("sockets", sockets, "channels", channels,
                "deliveriesPerSecond", Math.round(deliveriesPerSecond * 10) / 10.0, "backlog", backlog,
                "redisUp", redisUp, "draining", draining));
    }

    /**
     * Reads what another instance wrote; an unreadable report (another version, say) is left out rather than shown
     * wrong.
     *
     * @param id   the instance
     * @param json its report
     * @return the report, if readable
     */
    public static Optional<InstanceReport> parse(String id, String json) {
        try {
            Map<String, Object> map = Json.parseObject(json);
            return Optional.of(new InstanceReport(id, number(map, "sockets").longValue(),
                    number(map, "channels").longValue(), number(map, "deliveriesPerSecond").doubleValue(),
                    number(map, "backlog").longValue(), Boolean.TRUE.equals(map.get("redisUp")),
                    Boolean.TRUE.equals(map.get("draining"))));
        } catch (InvalidJsonException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static Number number(Map<String, Object> map, String key) {
        if (map.get(key) instanceof Number n) {
            return n;
        }
        throw new IllegalArgumentException(key + " is not a number");
    }
}
