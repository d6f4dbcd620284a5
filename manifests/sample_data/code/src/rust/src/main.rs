use shop::tokenizer::{tokenize, Token};
use shop::Inventory;

fn main() {
    let mut inventory = Inventory::new();
    inventory.restock("flour", 12);
    inventory.restock("eggs", 30);
    inventory.restock("butter", 4);

    for (item, amount) in [("flour", 5), ("eggs", 40), ("sugar", 1)] {
        match inventory.take(item, amount) {
            Ok(left) => println!("took {amount} {item}, {left} left"),
            Err(error) => println!("could not take {item}: {error}"),
        }
    }
    println!("running low: {:?}", inventory.low_stock(10));

    let expression = "price * (1 + tax) - 2.5";
    match tokenize(expression) {
        Ok(tokens) => {
            let idents: Vec<&str> = tokens
                .iter()
                .filter_map(|t| match t {
                    Token::Ident(name) => Some(name.as_str()),
                    _ => None,
                })
                .collect();
            println!("{} tokens, variables: {}", tokens.len(), idents.join(", "));
        }
        Err(error) => eprintln!("{error}"),
    }
}
