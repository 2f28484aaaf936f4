package io.bifrost.gateway.config;

/**
 * The environment does not describe a gateway that can start; the message names the variable and the fix.
 */
public final class ConfigException extends Exception {
    /**
     * @param message the variable, what is wrong, and how to fix it
     */
    public ConfigException(String message) {
        super(message);
    }
}
