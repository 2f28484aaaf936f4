package io.bifrost.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a {@code String} test parameter that {@link BifrostExtension} fills with the embedded gateway's
 * {@code JWT_SECRET}, e.g. to configure the application under test with it.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface BifrostSecret {
}
