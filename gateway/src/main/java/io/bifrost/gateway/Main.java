package io.bifrost.gateway;

import java.lang.System.Logger.Level;
import java.nio.file.Path;

import io.bifrost.gateway.config.ConfigException;
import io.bifrost.gateway.config.EnvironmentConfig;
import io.bifrost.gateway.config.Mode;

/**
 * The executable: configuration from the environment, then the same {@link Gateway#start} an embedding test uses.
 */
public final class Main {
    private Main() {
    }

    /**
     * @param args ignored; configuration comes from environment variables (see the README)
     */
    public static void main(String[] args) {
        // One line per log record, before anything logs.
        System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tFT%1$tT.%1$tLZ %4$s %3$s: %5$s%6$s%n");
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
        Runtime.getRuntime().addShutdownHook(new Thread(gateway::close, "bifrost-shutdown"));
    }
}
