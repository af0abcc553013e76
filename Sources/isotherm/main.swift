print("isotherm")
