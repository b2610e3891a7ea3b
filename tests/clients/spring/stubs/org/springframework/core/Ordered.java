package org.springframework.core;

/** Stub of Spring's Ordered: just what ErralertReporter compiles against. */
public interface Ordered {
  int HIGHEST_PRECEDENCE = Integer.MIN_VALUE;
  int LOWEST_PRECEDENCE = Integer.MAX_VALUE;
  int getOrder();
}
