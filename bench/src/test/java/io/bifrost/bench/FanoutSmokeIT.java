package io.bifrost.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.bifrost.protocol.Json;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tool, run for seconds against the built gateway jar: it cannot rot unnoticed. Counts only, no timing: the
 * report must add up.
 */
class FanoutSmokeIT {
    private static final Path WORK = Path.of(System.getProperty("bifrost.bench.work", "target/smoke"));

    private static Report run(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--gateway-jar", System.getProperty("bifrost.jar"), "--work-dir", WORK.toString(),
                "--runs", "1", "--no-probe", "--out", WORK.resolve(args[0] + ".json").toString()));
        Options options = Options.parse(all.toArray(String[]::new));
        Report report = new Bench(options).run();
        report.write(options.out());
        return report;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> phase(Report report, String name) {
        Map<String, Object> phases = (Map<String, Object>) report.runs().getFirst().get("phases");
        return (Map<String, Object>) phases.get(name);
    }

    private static long n(Map<String, Object> m, String key) {
        return ((Number) m.get(key)).longValue();
    }

    @Test
    void saturatingFanoutOverTwoSourceAddressesDeliversEveryBroadcastToEverySocketOnce() throws Exception {
        Report report = run("fanout", "--sockets", "200", "--source-addresses", "2", "--inflight", "4",
                "--warmup", "1", "--duration", "2");
        @SuppressWarnings("unchecked")
        Map<String, Object> connect = (Map<String, Object>) report.runs().getFirst().get("connect");
        assertEquals(200L, n(connect, "established"));
        assertEquals(0L, n(connect, "failed"));
        assertEquals(List.of("127.0.0.1", "127.0.0.2"), connect.get("source_addresses"));

        Map<String, Object> fanout = phase(report, "fanout");
        long accepted = n(fanout, "broadcasts_accepted");
        assertTrue(accepted > 0, "some broadcasts accepted: " + fanout);
        assertEquals(n(fanout, "broadcasts_sent"), accepted);
        assertEquals(0L, n(fanout, "broadcasts_refused"));
        assertEquals(0L, n(fanout, "broadcasts_unanswered"));
        assertEquals(accepted * 200, n(fanout, "deliveries_expected"));
        assertEquals(n(fanout, "deliveries_expected"), n(fanout, "deliveries_received"));
        assertEquals(n(fanout, "deliveries_expected"), n(fanout, "gateway_reported_deliveries"));
        assertEquals(0L, n(fanout, "deliveries_lost"));
        assertEquals(0L, n(fanout, "deliveries_duplicated"));
        assertEquals(0L, n(fanout, "deliveries_missed_on_sockets_closed_by_gateway"));
        assertEquals(0L, n(fanout, "stray_frames"));
        @SuppressWarnings("unchecked")
        Map<String, Object> latency = (Map<String, Object>) fanout.get("latency_ms");
        assertEquals(n(fanout, "deliveries_received"), n(latency, "count"));

        Map<String, Object> json = Json.parseObject(Files.readString(WORK.resolve("fanout.json")));
        assertEquals("fanout", json.get("scenario"));
    }

    @Test
    void pacedBroadcastsToRandomChannelsReachExactlyTheirChannelsSockets() throws Exception {
        Report report = run("channels", "--sockets", "100", "--channels", "10", "--rate", "200", "--inflight", "8",
                "--warmup", "0", "--duration", "2");
        Map<String, Object> channels = phase(report, "channels");
        assertEquals(400L, n(channels, "broadcasts_sent"));
        assertEquals(400L, n(channels, "broadcasts_accepted"));
        assertEquals(4000L, n(channels, "deliveries_expected"), "10 sockets per channel");
        assertEquals(4000L, n(channels, "deliveries_received"));
        assertEquals(0L, n(channels, "deliveries_lost"));
        assertEquals(0L, n(channels, "deliveries_duplicated"));
        assertEquals(0L, n(channels, "stray_frames"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void idleSocketsHeldThenCutComeBackEveryOne() throws Exception {
        Report report = run("idle", "--sockets", "100", "--channels", "100", "--rate", "2", "--hold", "2");
        Map<String, Object> run = report.runs().getFirst();
        Map<String, Object> hold = phase(report, "hold");
        assertEquals(n(hold, "deliveries_expected"), n(hold, "deliveries_received"));
        assertEquals(0L, n(hold, "deliveries_lost"));

        Map<String, Object> connect = (Map<String, Object>) run.get("connect");
        Map<String, Object> reconnect = (Map<String, Object>) run.get("reconnect");
        assertEquals(100L, n(connect, "established"));
        assertEquals(100L, n(reconnect, "established"), "every cut socket came back: " + reconnect);
        assertEquals(0L, n(reconnect, "failed"));
        assertTrue(reconnect.get("cut_sockets_gone_s") instanceof Number, "" + reconnect);
    }
}
