import JouleSpec
