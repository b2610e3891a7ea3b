package org.springframework.web.servlet;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/** Stub of Spring's HandlerExceptionResolver: null means "not resolved, ask the next one". */
public interface HandlerExceptionResolver {
  ModelAndView resolveException(HttpServletRequest request, HttpServletResponse response, Object handler, Exception ex);
}
