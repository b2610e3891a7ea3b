package org.springframework.http;

/** Stub of Spring 6's HttpStatusCode. */
public interface HttpStatusCode {
  int value();
}
