struct Shop;

impl Shop {
    #[pottery::redis_cache(key = "price")]
    fn price(&self, item: &str) -> u32 {
        item.len() as u32
    }
}

fn main() {}
