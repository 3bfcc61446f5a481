import JouleEval
