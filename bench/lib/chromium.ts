// Headless Chromium as the browser tests and the console bench launch it. Lives under bench/ so
// the bench build (swc over bench, libs and apps) compiles it; test/browser re-exports it.

/** Chromium flags from FACTS.md (software WebGL through SwiftShader, nothing phoning home). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--enable-unsafe-swiftshader',
  '--autoplay-policy=no-user-gesture-required',
];

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
