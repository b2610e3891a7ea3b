package org.springframework.web;

import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;

/** Stub of Spring 6's ErrorResponse, which its web exceptions implement. */
public interface ErrorResponse {
  HttpStatusCode getStatusCode();
  ProblemDetail getBody();
}
