package org.springframework.web.servlet;

/** Stub of Spring's ModelAndView. */
public class ModelAndView {}
