// esbuild's text loader: a stylesheet imported as a string, to put in a shadow root.
declare module '*.css' {
  const text: string
  export default text
}
