/** The tests' git server is the one `rivulet demo` serves repositories with. */
export * from "../../agent/runtime/git-http-server.ts";
