package io.bifrost.bench;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The scenarios of issue 5, each one command, each with the defaults that make it the measurement. Options
 * given on the command line override a default; the report shows every value used.
 */
enum Scenario {
    FANOUT("fanout", "2,000 sockets on one channel; broadcasts back to back with K in flight (saturating)",
            new Defaults(2000, 1, 0, 16, 15, 5, 3, 0)),
    FANOUT_PACED("fanout-paced", "2,000 sockets on one channel; 10 broadcasts/s; end-to-end latency",
            new Defaults(2000, 1, 10, 4, 20, 5, 3, 0)),
    CHANNELS("channels", "5,000 sockets on 500 channels; 2,000 broadcasts/s to random channels",
            // 40 s of warmup: on the one pinned core, the JIT still took half of it 15-25 s in (a profile showed C2
            // threads at 51 %, 1 % after 40 s), so a shorter warmup measured the compiler, not the steady state.
            new Defaults(5000, 500, 2000, 64, 15, 40, 3, 0)),
    IDLE("idle", "19,500 authenticated sockets (one channel each) held for a minute; one broadcast a second to a"
            + " random socket; memory per socket; then every socket cut and opened again",
            new Defaults(19500, 19500, 1, 1, 0, 2, 3, 60)),
    CROSS("cross", "two instances and Redis: sockets on A, broadcasts posted to B, saturating then paced; beside"
            + " a single-instance fanout with the same sockets as the baseline", new Defaults(2000, 1, 10, 16, 10, 5, 3, 0)),
    LIMIT("limit", "the C probe alone: CPU per socket write on this machine, TCP_NODELAY on and off",
            new Defaults(2000, 1, 0, 0, 0, 0, 3, 0));

    /**
     * @param sockets  websockets
     * @param channels channels they are spread over
     * @param rate     broadcasts per second; 0 is saturating
     * @param inflight publishing connections (requests in flight at most)
     * @param duration measured seconds per phase
     * @param warmup   seconds of saturating load before measuring, not measured
     * @param runs     repetitions
     * @param hold     seconds the idle scenario holds its sockets
     */
    record Defaults(int sockets, int channels, double rate, int inflight, double duration, double warmup, int runs,
                    double hold) {
    }

    private final String command;
    private final String description;
    private final Defaults defaults;

    Scenario(String command, String description, Defaults defaults) {
        this.command = command;
        this.description = description;
        this.defaults = defaults;
    }

    String command() {
        return command;
    }

    String description() {
        return description;
    }

    Defaults defaults() {
        return defaults;
    }

    static Scenario of(String name) {
        for (Scenario s : values()) {
            if (s.command.equals(name.toLowerCase(Locale.ROOT))) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown scenario '" + name + "'; one of: " + names());
    }

    static String names() {
        return Arrays.stream(values()).map(Scenario::command).collect(Collectors.joining(", "));
    }
}
