/** The tests' git server is the one `rivulet demo` serves repositories with. */
export * from "../../agent/devtools/git-http-server.ts";
