package org.springframework.stereotype;

import java.lang.annotation.*;

/** Stub of Spring's @Component. */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
public @interface Component {
  String value() default "";
}
