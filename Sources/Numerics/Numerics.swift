public enum NumericsPlaceholder {}
