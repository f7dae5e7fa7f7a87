import { seededRandom } from './random';

export interface Product {
  product_id: string;
  name: string;
  category: string;
  /** List price in cents; sales vary around it. */
  price_cents: number;
}

const CATEGORIES: Record<string, { nouns: string[]; priceCents: [number, number] }> = {
  Grocery: { nouns: ['Coffee Beans', 'Olive Oil', 'Pasta', 'Granola', 'Green Tea', 'Dark Chocolate'], priceCents: [199, 2499] },
  Electronics: { nouns: ['Headphones', 'USB-C Cable', 'Power Bank', 'Smart Plug', 'Keyboard', 'Webcam'], priceCents: [999, 49999] },
  Home: { nouns: ['Candle', 'Throw Pillow', 'Mug', 'Towel Set', 'Plant Pot', 'Desk Lamp'], priceCents: [499, 8999] },
  Apparel: { nouns: ['T-Shirt', 'Hoodie', 'Socks', 'Rain Jacket', 'Beanie', 'Sneakers'], priceCents: [799, 12999] },
  Beauty: { nouns: ['Shampoo', 'Face Cream', 'Lip Balm', 'Sunscreen', 'Soap Bar', 'Serum'], priceCents: [299, 5999] },
  Toys: { nouns: ['Puzzle', 'Building Set', 'Plush Bear', 'Card Game', 'Kite', 'Yo-Yo'], priceCents: [399, 7999] },
};
const ADJECTIVES = ['Classic', 'Organic', 'Premium', 'Everyday', 'Compact', 'Deluxe', 'Eco', 'Nordic', 'Urban', 'Vintage'];

/** A deterministic catalog: product `P000001` … with a name, a category and a list price. */
export function makeCatalog(size: number, seed = 1): Product[] {
  const random = seededRandom(seed ^ 0x5eed);
  const categories = Object.keys(CATEGORIES);
  const width = Math.max(6, String(size).length);
  return Array.from({ length: size }, (_, i) => {
    const category = categories[Math.floor(random() * categories.length)]!;
    const { nouns, priceCents } = CATEGORIES[category]!;
    const noun = nouns[Math.floor(random() * nouns.length)]!;
    const adjective = ADJECTIVES[Math.floor(random() * ADJECTIVES.length)]!;
    const [lo, hi] = priceCents;
    return {
      product_id: `P${String(i + 1).padStart(width, '0')}`,
      name: `${adjective} ${noun} ${i + 1}`,
      category,
      price_cents: Math.round((lo + random() * (hi - lo)) / 10) * 10 - 1,
    };
  });
}
