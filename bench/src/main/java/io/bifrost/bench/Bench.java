package io.bifrost.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs one scenario: its repetitions, each on freshly started servers, then the C probe, then the verdicts.
 */
final class Bench {
    /** Phases per run at most (warm-up included): sizes the ledger. */
    private static final int MAX_PHASES = 4;
    /** Broadcasts/s that warm cross's holding instances: 200k deliveries/s on 2,000 sockets, a fifth of saturation. */
    private static final double CROSS_WARMUP_RATE = 100;

    private final Options o;
    private final Path sessionDir;
    private volatile Rig current;

    Bench(Options o) {
        this.o = o;
        this.sessionDir = o.workDir().resolve(o.scenario().command() + "-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    }

    Report run() throws IOException, InterruptedException {
        // Ctrl-C must not leave gateways or Redis running: the hook stops the current run's servers.
        Thread hook = new Thread(() -> {
            Rig rig = current;
            if (rig != null) {
                rig.close();
            }
        }, "bench-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        Report report = new Report(o, Machine.facts(o));
        try {
            int frameBytes = 0;
            if (o.scenario() != Scenario.LIMIT) {
                for (int i = 1; i <= o.runs(); i++) {
                    Map<String, Object> run = new LinkedHashMap<>();
                    run.put("run", i);
                    run.put("other_processes_cpu_share_before", waitQuiet());
                    Path dir = sessionDir.resolve("run-" + i);
                    long t0 = System.nanoTime();
                    switch (o.scenario()) {
                        case FANOUT -> single(run, dir, "fanout", false);
                        case FANOUT_PACED -> single(run, dir, "paced", false);
                        case CHANNELS -> single(run, dir, "channels", true);
                        case IDLE -> idle(run, dir);
                        case CROSS -> cross(run, dir);
                        case LIMIT -> throw new IllegalStateException("no runs");
                    }
                    run.put("run_seconds", Rig.round((System.nanoTime() - t0) / 1e9, 1));
                    frameBytes = Math.max(frameBytes, ((Number) run.getOrDefault("frame_bytes", 0)).intValue());
                    report.addRun(run);
                    System.err.println("bench: run " + i + "/" + o.runs() + " done in " + run.get("run_seconds") + " s");
                }
            }
            if (o.probe() || o.scenario() == Scenario.LIMIT) {
                if (frameBytes == 0) {
                    // The frame the gateway sends for our message: {"event":"bench","data":"<payload>"} + 2 header bytes.
                    frameBytes = o.payload() + 27 + (o.payload() + 27 < 126 ? 2 : 4);
                }
                probe(report, Math.min(frameBytes, 127));
            }
        } finally {
            Runtime.getRuntime().removeShutdownHook(hook);
        }
        report.finish();
        return report;
    }

    private void probe(Report report, int frameBytes) throws IOException, InterruptedException {
        waitQuiet();
        Path binary = Probe.build(o.workDir().resolve("probe"));
        int sockets = o.scenario() == Scenario.LIMIT ? o.sockets() : 2000;
        int runs = Math.max(3, o.scenario() == Scenario.LIMIT ? o.runs() : 3);
        System.err.println("bench: probe, " + runs + " runs of " + sockets + " sockets × " + o.probeRounds()
                + " rounds of " + frameBytes + "-byte frames");
        report.addProbes(Probe.runs(binary, runs, sockets, o.probeRounds(), frameBytes, true));
        if (o.scenario() == Scenario.LIMIT) {
            report.addProbes(Probe.runs(binary, runs, sockets, o.probeRounds(), frameBytes, false));
        }
        if (o.scenario() == Scenario.CHANNELS && o.rate() > 0) {
            // The channels pattern has its own floor: a few writes per broadcast, each waking a sleeping reader.
            Path paced = Probe.buildPaced(o.workDir().resolve("probe"));
            int burst = Math.max(1, o.sockets() / o.channels());
            int bursts = (int) Math.max(1, Math.min(100_000, o.rate() * 5));
            System.err.println("bench: paced probe, " + runs + " runs of " + bursts + " bursts of " + burst
                    + " writes at " + Rig.fmt(o.rate()) + " bursts/s over " + o.sockets() + " sockets");
            for (int i = 0; i < runs; i++) {
                report.addProbes(List.of(Probe.runPaced(paced, o.sockets(), bursts, frameBytes, burst, o.rate())));
            }
        }
    }

    /**
     * One gateway, one phase: fanout (saturating), fanout-paced and channels; with --idle-instances, more gateways on
     * the same Redis that take no sockets and no broadcasts.
     */
    private void single(Map<String, Object> run, Path dir, String phase, boolean randomChannels)
            throws IOException, InterruptedException {
        try (Rig rig = start(dir, 1 + o.idleInstances(), o.redis())) {
            ServerProcess gateway = rig.gateway(0);
            run.put("connect", rig.connect(List.of(gateway), o.sockets(), o.channels(), capacity()));
            Publisher p = rig.publisher(List.of(gateway), o.inflight(), rig.channelPicker(randomChannels));
            run.put("warmup_sockets_closed_by_gateway", rig.warmup(p, o.warmup()));
            Map<String, Object> phases = new LinkedHashMap<>();
            phases.put(phase, rig.measure(phase, p, o.rate(), o.duration(), List.of(gateway)));
            run.put("phases", phases);
            run.put("memory", rig.memory(List.of(gateway), o.sockets()));
            run.put("frame_bytes", rig.frameBytes());
            run.put("gateways", rig.gatewayState());
            run.put("generator_faults", rig.generatorFaults());
        } finally {
            current = null;
        }
    }

    /**
     * Many sockets held: memory per socket, and how fast one of them still gets a broadcast; then every socket cut and
     * opened again, to see how fast a warm instance takes them back.
     */
    private void idle(Map<String, Object> run, Path dir) throws IOException, InterruptedException {
        try (Rig rig = start(dir, 1, o.redis())) {
            ServerProcess gateway = rig.gateway(0);
            run.put("connect", rig.connect(List.of(gateway), o.sockets(), o.channels(), capacity()));
            run.put("memory_connected", rig.memory(List.of(gateway), o.sockets()));
            Publisher p = rig.publisher(List.of(gateway), Math.max(1, o.inflight()), rig.channelPicker(true));
            run.put("warmup_sockets_closed_by_gateway", rig.warmup(p, o.warmup()));
            Map<String, Object> phases = new LinkedHashMap<>();
            phases.put("hold", rig.measure("hold", p, Math.max(0.1, o.rate()), o.hold(), List.of(gateway)));
            run.put("phases", phases);
            run.put("memory", rig.memory(List.of(gateway), o.sockets()));
            run.put("frame_bytes", rig.frameBytes());
            run.put("gateways", rig.gatewayState());
            run.put("generator_faults", rig.generatorFaults());
            run.put("reconnect", rig.reconnect(List.of(gateway), o.sockets(), o.channels(), capacity()));
        } finally {
            current = null;
        }
    }

    /**
     * The baseline (one instance, saturating), then instances on one Redis with the sockets on all but the last and the
     * broadcasts posted to the last (two instances: sockets on A, posts to B): paced, then saturating.
     */
    private void cross(Map<String, Object> run, Path dir) throws IOException, InterruptedException {
        Map<String, Object> phases = new LinkedHashMap<>();
        try (Rig rig = start(dir.resolve("single"), 1, o.redis())) {
            ServerProcess gateway = rig.gateway(0);
            run.put("connect_single", rig.connect(List.of(gateway), o.sockets(), o.channels(), capacity()));
            Publisher p = rig.publisher(List.of(gateway), o.inflight(), rig.channelPicker(o.channels() > 1));
            run.put("warmup_sockets_closed_by_gateway_single", rig.warmup(p, o.warmup()));
            phases.put("single", rig.measure("single", p, 0, o.duration(), List.of(gateway)));
            run.put("generator_faults_single", rig.generatorFaults());
        } finally {
            current = null;
        }
        try (Rig rig = start(dir.resolve("cross"), o.instances(), true)) {
            List<ServerProcess> all = rig.gateways();
            List<ServerProcess> holding = all.subList(0, all.size() - 1);
            List<ServerProcess> posting = List.of(all.getLast());
            run.put("connect", rig.connect(holding, o.sockets(), o.channels(), capacity()));
            // The posting instance is warmed on a channel no socket holds: warming it on the sockets' channel would
            // already be the saturating measurement. Paced first, while every socket is surely still open.
            Publisher warming = rig.publisher(posting, o.inflight(), rig.nobodysChannel());
            rig.warmup(warming, o.warmup());
            // The holding instances' fan-out is warmed too, paced well below saturation: without it the paced phase
            // measured their JIT compiling the fan-out (17 µs per delivery against fanout-paced's 10).
            Publisher fanning = rig.publisher(posting, Math.min(4, o.inflight()), rig.channelPicker(o.channels() > 1));
            run.put("warmup_sockets_closed_by_gateway", rig.warmup(fanning, o.warmup(), CROSS_WARMUP_RATE));
            Publisher paced = rig.publisher(posting, Math.min(4, o.inflight()), rig.channelPicker(o.channels() > 1));
            phases.put("cross_paced", rig.measure("cross_paced", paced, Math.max(0.1, o.rate()), o.duration(),
                    holding));
            Publisher saturating = rig.publisher(posting, o.inflight(), rig.channelPicker(o.channels() > 1));
            phases.put("cross_saturating", rig.measure("cross_saturating", saturating, 0, o.duration(), holding));
            run.put("phases", phases);
            run.put("memory", rig.memory(holding, o.sockets()));
            run.put("frame_bytes", rig.frameBytes());
            run.put("gateways", rig.gatewayState());
            run.put("generator_faults", rig.generatorFaults());
        } finally {
            current = null;
        }
    }

    private Rig start(Path dir, int gateways, boolean redis) throws IOException, InterruptedException {
        Rig rig = Rig.start(o, dir, gateways, redis);
        current = rig;
        return rig;
    }

    private int capacity() {
        return o.maxBroadcasts() * MAX_PHASES;
    }

    /**
     * Waits (up to --wait-quiet seconds) until other processes use less than a tenth of the machine's CPUs, so
     * someone else's build does not land in our figures. Returns the share they used in the last second measured.
     */
    private double waitQuiet() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos((long) (o.waitQuiet() * 1000));
        boolean told = false;
        while (true) {
            double[][] t0 = Proc.cpuTimes();
            double own0 = Proc.ownCpuSeconds();
            Thread.sleep(1000);
            double[][] t1 = Proc.cpuTimes();
            double others = Math.max(0, (t1[0][0] - t0[0][0]) - (Proc.ownCpuSeconds() - own0));
            double share = others / (t1.length - 1);
            if (share < 0.1 || System.nanoTime() > deadline) {
                if (share >= 0.1 && o.waitQuiet() > 0) {
                    System.err.printf("bench: other processes still use %.0f%% of the CPUs; measuring anyway%n",
                            share * 100);
                }
                return Rig.round(share, 3);
            }
            if (!told) {
                System.err.printf("bench: other processes use %.0f%% of the CPUs; waiting up to %.0f s for quiet%n",
                        share * 100, o.waitQuiet());
                told = true;
            }
        }
    }
}
