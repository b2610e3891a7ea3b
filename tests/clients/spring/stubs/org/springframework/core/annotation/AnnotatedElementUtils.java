package org.springframework.core.annotation;

import java.lang.annotation.Annotation;
import java.lang.reflect.AnnotatedElement;

/** Stub: Spring's also merges @AliasFor attributes and meta-annotations; this one finds the annotation up the class chain. */
public abstract class AnnotatedElementUtils {
  public static <A extends Annotation> A findMergedAnnotation(AnnotatedElement element, Class<A> type) {
    for (Class<?> c = element instanceof Class<?> k ? k : null; c != null; c = c.getSuperclass()) {
      A a = c.getAnnotation(type);
      if (a != null) return a;
    }
    return element.getAnnotation(type);
  }
}
