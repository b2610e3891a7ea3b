package org.springframework.web.bind.annotation;

import java.lang.annotation.*;
import org.springframework.http.HttpStatus;

/** Stub of Spring's @ResponseStatus (value and code are aliases there, merged by AnnotatedElementUtils). */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
public @interface ResponseStatus {
  HttpStatus value() default HttpStatus.INTERNAL_SERVER_ERROR;
  HttpStatus code() default HttpStatus.INTERNAL_SERVER_ERROR;
  String reason() default "";
}
