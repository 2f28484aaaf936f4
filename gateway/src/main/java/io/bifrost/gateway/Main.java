package io.bifrost.gateway;

import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.Locale;
import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.LogManager;
import java.util.logging.Logger;

import io.bifrost.gateway.config.ConfigException;
import io.bifrost.gateway.config.EnvironmentConfig;
import io.bifrost.gateway.config.Mode;
import io.bifrost.gateway.ops.JsonLogFormatter;
import io.bifrost.gateway.ops.PlainLogFormatter;

import sun.misc.Signal;

/**
 * The executable: configuration from the environment, then the same {@link Gateway#start} an embedding test uses.
 * SIGTERM (and SIGINT) drain the gateway and exit 0, as Heroku and Kubernetes expect of a clean stop.
 */
public final class Main {
    private static final String POLLER_MODE = "jdk.pollerMode";

    private Main() {
    }

    /**
     * @param args ignored; configuration comes from environment variables (see the README)
     */
    public static void main(String[] args) {
        // Before any socket is opened: the JDK reads it once. Mode 2 runs the read pollers as virtual threads on
        // the carriers, so a request's wake-up needs no hand-off from a platform poller thread; measured on the
        // channels benchmark it cut the gateway's CPU per broadcast by a tenth and p99 from 174 to 55 ms
        // (BENCHMARKS.md). An operator's own -Djdk.pollerMode wins.
        if (System.getProperty(POLLER_MODE) == null) {
            System.setProperty(POLLER_MODE, "2");
        }
        if (!configureLogging(System.getenv("BIFROST_LOG_FORMAT"))) {
            System.exit(2);
            return;
        }
        System.Logger log = System.getLogger(Main.class.getName());
        EnvironmentConfig.Loaded loaded;
        try {
            loaded = EnvironmentConfig.load(System.getenv(), Path.of(""));
        } catch (ConfigException e) {
            log.log(Level.ERROR, "cannot start: " + e.getMessage());
            System.exit(2);
            return;
        }
        loaded.notices().forEach(n -> log.log(Level.WARNING, n));
        log.log(Level.INFO, "configuration: " + loaded.config());
        Gateway gateway;
        try {
            gateway = Gateway.start(loaded.config());
        } catch (IllegalStateException e) {
            log.log(Level.ERROR, "cannot start: " + e.getMessage());
            System.exit(1);
            return;
        }
        if (loaded.config().mode() == Mode.DEVELOPMENT) {
            log.log(Level.INFO, "open " + gateway.uri().resolve("/test") + " to see a socket subscribed to user:1");
        }
        // A JVM killed by a signal exits 143 whatever its hooks do; handling the signal lets a drained gateway exit 0.
        java.util.concurrent.atomic.AtomicBoolean stopping = new java.util.concurrent.atomic.AtomicBoolean();
        Runnable drainAndExit = () -> {
            if (!stopping.compareAndSet(false, true)) {
                return;
            }
            log.log(Level.INFO, "stop requested: draining over " + loaded.config().drain().toSeconds() + " s");
            gateway.drain(loaded.config().drain());
            log.log(Level.INFO, "stopped");
            System.exit(0);
        };
        // Not a daemon (the signal handler's thread is one, and threads inherit it): the JVM must not exit before
        // the drain and the bus's clean-up are done.
        Signal.handle(new Signal("TERM"), signal -> Thread.ofPlatform().daemon(false).name("bifrost-drain")
                .start(drainAndExit));
        Signal.handle(new Signal("INT"), signal -> Thread.ofPlatform().daemon(false).name("bifrost-drain")
                .start(drainAndExit));
        Runtime.getRuntime().addShutdownHook(new Thread(gateway::close, "bifrost-shutdown"));
    }

    private static boolean configureLogging(String format) {
        String choice = format == null || format.isBlank() ? "plain" : format.trim().toLowerCase(Locale.ROOT);
        if (!choice.equals("plain") && !choice.equals("json")) {
            System.err.println("cannot start: BIFROST_LOG_FORMAT is '" + format + "'; use plain or json");
            return false;
        }
        // One line per record, before anything logs; control characters escaped, so no line can be forged.
        LogManager.getLogManager().reset();
        Handler handler = new ConsoleHandler();
        handler.setFormatter(choice.equals("json") ? new JsonLogFormatter() : new PlainLogFormatter());
        Logger.getLogger("").addHandler(handler);
        return true;
    }
}
