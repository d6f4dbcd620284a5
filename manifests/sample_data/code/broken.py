# Reads a legacy Latin-1 export; this file itself was saved with a bad encoding.

def greeting(name):
    return "Olá, " + name + " ÿþ€"


if __name__ == "__main__":
    print(greeting("João"))
