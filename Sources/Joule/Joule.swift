// The umbrella module: `import Joule` brings the whole library.
@_exported import JouleEval
@_exported import JouleSearch
@_exported import JouleSpec
@_exported import JouleSystem
