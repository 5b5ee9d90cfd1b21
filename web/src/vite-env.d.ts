// Vite's `?url` imports (a file emitted under /assets/, imported as its URL).
declare module '*?url' {
  const url: string;
  export default url;
}
