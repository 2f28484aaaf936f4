package io.bifrost.it;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.protocol.BifrostClient;

/**
 * Several gateway processes on one Redis, for tests in other packages (the browser test): start them, reach them,
 * signal them.
 */
public final class GatewayProcesses implements AutoCloseable {
    private final List<GatewayProcess> processes = new ArrayList<>();

    private GatewayProcesses() {
    }

    /**
     * Starts one process per instance id, each with {@code REDIS_URL} and {@code BIFROST_INSTANCE_ID} added to env.
     *
     * @param redisUrl the Redis they share
     * @param env      the rest of their environment
     * @param dir      their working directory
     * @param ids      instance ids, one process each
     * @return the running processes
     * @throws Exception if one does not become ready
     */
    public static GatewayProcesses start(String redisUrl, Map<String, String> env, Path dir, String... ids)
            throws Exception {
        GatewayProcesses all = new GatewayProcesses();
        try {
            for (String id : ids) {
                Map<String, String> own = new HashMap<>(env);
                own.put("REDIS_URL", redisUrl);
                own.put("BIFROST_INSTANCE_ID", id);
                all.processes.add(GatewayProcess.start(own, dir));
            }
        } catch (Exception e) {
            all.close();
            throw e;
        }
        return all;
    }

    /**
     * @return each instance's base URI, in start order
     */
    public List<URI> uris() {
        return processes.stream().map(GatewayProcess::uri).toList();
    }

    /**
     * @param i which instance
     * @return its process, to signal or wait for
     */
    public Process process(int i) {
        return processes.get(i).process();
    }

    /**
     * Broadcasts through instance {@code i} with the Java client.
     *
     * @param i       which instance
     * @param channel the channel
     * @param event   the event
     * @param data    the data
     * @return the deliveries count
     */
    public int broadcast(int i, String channel, String event, String data) {
        return new BifrostClient(processes.get(i).uri(), TestGateway.SECRET).broadcast(channel, event, data);
    }

    @Override
    public void close() {
        for (GatewayProcess process : processes) {
            process.close();
        }
    }
}
