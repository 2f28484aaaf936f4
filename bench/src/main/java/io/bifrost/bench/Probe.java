package io.bifrost.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The physical floor: {@code fanout_limit.c} (shipped in this jar) writes one frame to each of N loopback sockets,
 * round after round, from a thread pinned to CPU 1 while a child pinned to CPU 0 reads them, and prints the writer's
 * CPU per write. That is what "one socket write per delivery" costs on this machine, measured in the same session
 * as our figures, so the machine's mood of the day (steal, noisy neighbours) weighs on both alike.
 *
 * <p>{@code paced_limit.c} is the floor for small broadcasts ({@code channels}): bursts of a few writes at a paced
 * rate to readers that sleep between them, so each write also pays for waking its reader.
 */
final class Probe {
    private static final Pattern FIELD = Pattern.compile("(\\w+)=([0-9.]+)");

    private Probe() {
    }

    /** One run's figures: deliveries_per_s, writer_cpu_us_per_delivery, reader_ok, ... */
    record Result(int sockets, int rounds, int frameBytes, boolean nodelay, Map<String, Double> figures, String line) {
        /** @return true for the paced probe (bursts to sleeping readers), false for back-to-back rounds */
        boolean paced() {
            return figures.containsKey("burst");
        }

        double cpuMicrosPerWrite() {
            return figures.getOrDefault("writer_cpu_us_per_delivery", Double.NaN);
        }

        double writesPerSecond() {
            return figures.getOrDefault("deliveries_per_s", Double.NaN);
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("probe", paced() ? "paced_limit" : "fanout_limit");
            m.put("sockets", sockets);
            m.put(paced() ? "bursts" : "rounds", rounds);
            if (paced()) {
                m.put("burst", figures.get("burst").intValue());
                m.put("bursts_per_s", figures.get("rate"));
            }
            m.put("frame_bytes", frameBytes);
            m.put("nodelay", nodelay);
            m.put("writer_cpu_us_per_write", cpuMicrosPerWrite());
            m.put("writes_per_s", writesPerSecond());
            m.put("reader_ok", figures.getOrDefault("reader_ok", 0.0) == 1.0);
            m.put("output", line);
            return m;
        }
    }

    /** Builds the fan-out probe (gcc -O2) into {@code dir} unless it is there already. */
    static Path build(Path dir) throws IOException, InterruptedException {
        return build(dir, "fanout_limit");
    }

    /** Builds the paced probe (gcc -O2) into {@code dir} unless it is there already. */
    static Path buildPaced(Path dir) throws IOException, InterruptedException {
        return build(dir, "paced_limit");
    }

    private static Path build(Path dir, String name) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path source = dir.resolve(name + ".c");
        Path binary = dir.resolve(name);
        byte[] shipped;
        try (InputStream in = Probe.class.getResourceAsStream(name + ".c")) {
            if (in == null) {
                throw new IllegalStateException(name + ".c is missing from the bench jar");
            }
            shipped = in.readAllBytes();
        }
        if (Files.isExecutable(binary) && Files.exists(source)
                && java.util.Arrays.equals(Files.readAllBytes(source), shipped)) {
            return binary;
        }
        Files.write(source, shipped);
        Process gcc = new ProcessBuilder("gcc", "-O2", "-o", binary.toString(), source.toString())
                .redirectErrorStream(true).start();
        String output = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!gcc.waitFor(60, TimeUnit.SECONDS) || gcc.exitValue() != 0) {
            throw new IllegalStateException("gcc -O2 " + name + ".c failed (the probe needs gcc):\n" + output);
        }
        return binary;
    }

    static Result run(Path binary, int sockets, int rounds, int frameBytes, boolean nodelay)
            throws IOException, InterruptedException {
        return parse(sockets, rounds, frameBytes, nodelay, new ProcessBuilder(binary.toString(),
                String.valueOf(sockets), String.valueOf(rounds), String.valueOf(frameBytes), nodelay ? "1" : "0"));
    }

    /**
     * The paced probe: {@code bursts} bursts of {@code burst} writes at {@code rate} bursts/s, TCP_NODELAY.
     */
    static Result runPaced(Path binary, int sockets, int bursts, int frameBytes, int burst, double rate)
            throws IOException, InterruptedException {
        return parse(sockets, bursts, frameBytes, true, new ProcessBuilder(binary.toString(), String.valueOf(sockets),
                String.valueOf(bursts), String.valueOf(frameBytes), String.valueOf(burst), String.valueOf(rate)));
    }

    private static Result parse(int sockets, int rounds, int frameBytes, boolean nodelay, ProcessBuilder command)
            throws IOException, InterruptedException {
        Process p = command.redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("the probe did not finish within 120 s");
        }
        String line = output.lines().filter(l -> l.startsWith("sockets=")).findFirst()
                .orElseThrow(() -> new IllegalStateException("the probe printed no result:\n" + output));
        Map<String, Double> figures = new LinkedHashMap<>();
        Matcher m = FIELD.matcher(line);
        while (m.find()) {
            figures.put(m.group(1), Double.parseDouble(m.group(2)));
        }
        return new Result(sockets, rounds, frameBytes, nodelay, figures, line);
    }

    /** {@code runs} runs, each separately reported; the caller takes the median. */
    static List<Result> runs(Path binary, int runs, int sockets, int rounds, int frameBytes, boolean nodelay)
            throws IOException, InterruptedException {
        List<Result> results = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            results.add(run(binary, sockets, rounds, frameBytes, nodelay));
        }
        return results;
    }
}
