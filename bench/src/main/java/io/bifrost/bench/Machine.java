package io.bifrost.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The facts a figure needs beside it to mean anything: the machine, the kernel, the JDK, the limits, and which build
 * of the gateway ran (commit, and whether its sources had uncommitted changes).
 */
final class Machine {
    private Machine() {
    }

    static Map<String, Object> facts(Options o) {
        Map<String, Object> m = new LinkedHashMap<>();
        String cpuinfo = read("/proc/cpuinfo");
        m.put("cpus", cpuinfo.lines().filter(l -> l.startsWith("processor")).count());
        m.put("cpu_model", cpuinfo.lines().filter(l -> l.startsWith("model name")).findFirst()
                .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("?"));
        m.put("virtualised", cpuinfo.contains(" hypervisor"));
        m.put("memory_gb", read("/proc/meminfo").lines().filter(l -> l.startsWith("MemTotal:")).findFirst()
                .map(l -> Rig.round(Long.parseLong(l.replaceAll("[^0-9]", "")) / 1048576.0, 1)).orElse(-1.0));
        m.put("kernel", read("/proc/sys/kernel/osrelease").trim());
        m.put("jdk", command(List.of(o.java().toString(), "-version")).lines().skip(1).findFirst().orElse("?").trim());
        m.put("java", o.java().toString());
        m.put("open_files_limit", Proc.openFilesLimit(ProcessHandle.current().pid()));
        m.put("ephemeral_ports", read("/proc/sys/net/ipv4/ip_local_port_range").trim().replaceAll("\\s+", "-"));
        m.put("generator_cpus", Proc.allowedCpus(ProcessHandle.current().pid()));
        String stat = Proc.read(Path.of("/proc/self/stat"));
        m.put("nice", Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+")[16]));
        m.put("server_cpus", o.gatewayCpus().isBlank() ? "not pinned" : o.gatewayCpus());
        m.put("git_commit", command(List.of("git", "rev-parse", "--short", "HEAD")).trim());
        if (Files.exists(o.gatewayJar())) {
            try {
                m.put("gateway_jar_built", Files.getLastModifiedTime(o.gatewayJar()).toString());
            } catch (IOException e) {
                m.put("gateway_jar_built", "?");
            }
        }
        String dirty = command(List.of("git", "status", "--porcelain", "--", "gateway/src", "protocol/src")).trim();
        m.put("gateway_sources_modified", dirty.isEmpty() ? List.of() : dirty.lines().map(String::trim).toList());
        return m;
    }

    private static String read(String path) {
        try {
            return Proc.read(Path.of(path));
        } catch (java.io.UncheckedIOException e) {
            return "";
        }
    }

    private static String command(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0 ? out : "?";
        } catch (IOException e) {
            return "?";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "?";
        }
    }
}
