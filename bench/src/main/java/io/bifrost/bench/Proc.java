package io.bifrost.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What Linux's {@code /proc} says about a process and the machine: CPU time (user + system, in clock ticks of 10 ms
 * on these kernels), resident memory, and the CPUs' steal time (time the hypervisor gave our virtual CPU to someone
 * else: on a noisy VM it explains many outliers).
 */
final class Proc {
    /** USER_HZ: /proc reports CPU times in these ticks; 100 on every x86-64 Linux. */
    static final double TICKS_PER_SECOND = 100.0;

    private Proc() {
    }

    /** CPU seconds (user + system) a process has used since it started, all its threads. */
    static double cpuSeconds(long pid) {
        String stat = read(Path.of("/proc", String.valueOf(pid), "stat"));
        // The command name (field 2) may hold spaces: fields are counted after its closing parenthesis.
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
        long utime = Long.parseLong(f[11]);
        long stime = Long.parseLong(f[12]);
        return (utime + stime) / TICKS_PER_SECOND;
    }

    /** Resident set size in bytes (VmRSS). */
    static long rssBytes(long pid) {
        return statusKb(pid, "VmRSS:") * 1024;
    }

    static int threads(long pid) {
        return (int) statusKb(pid, "Threads:");
    }

    private static long statusKb(long pid, String field) {
        for (String line : read(Path.of("/proc", String.valueOf(pid), "status")).split("\n")) {
            if (line.startsWith(field)) {
                return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
            }
        }
        throw new IllegalStateException("/proc/" + pid + "/status has no " + field);
    }

    /** This JVM's CPU seconds, every thread (the generator's own cost). */
    static double ownCpuSeconds() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getProcessCpuTime() / 1e9;
        }
        return cpuSeconds(ProcessHandle.current().pid());
    }

    /**
     * Per-CPU times so far from /proc/stat: row 0 the whole machine, then one row per CPU; in each row the busy
     * seconds (user, nice, system, irq, softirq) and the steal seconds.
     */
    static double[][] cpuTimes() {
        List<String> lines = read(Path.of("/proc/stat")).lines().filter(l -> l.startsWith("cpu")).toList();
        double[][] times = new double[lines.size()][];
        for (int i = 0; i < lines.size(); i++) {
            String[] f = lines.get(i).trim().split("\\s+");
            // cpu user nice system idle iowait irq softirq steal guest guest_nice
            long busy = Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3]) + Long.parseLong(f[6])
                    + Long.parseLong(f[7]);
            long steal = f.length > 8 ? Long.parseLong(f[8]) : 0;
            times[i] = new double[] {busy / TICKS_PER_SECOND, steal / TICKS_PER_SECOND};
        }
        return times;
    }

    /** CPUs this process may run on, as the kernel lists them (e.g. "1"). */
    static String allowedCpus(long pid) {
        for (String line : read(Path.of("/proc", String.valueOf(pid), "status")).split("\n")) {
            if (line.startsWith("Cpus_allowed_list:")) {
                return line.substring("Cpus_allowed_list:".length()).trim();
            }
        }
        return "?";
    }

    /** The soft limit on open files of a process. */
    static long openFilesLimit(long pid) {
        for (String line : read(Path.of("/proc", String.valueOf(pid), "limits")).split("\n")) {
            if (line.startsWith("Max open files")) {
                String[] f = line.substring("Max open files".length()).trim().split("\\s+");
                return f[0].equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(f[0]);
            }
        }
        return -1;
    }

    static String read(Path path) {
        // A sequential read to the end: Files.readString trusts the size procfs reports and may stop short.
        try (java.io.InputStream in = Files.newInputStream(path)) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + " (is this Linux?)", e);
        }
    }
}
