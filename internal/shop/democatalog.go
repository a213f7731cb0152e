package shop

import "time"

// demoTime is a creation time in 2026 (UTC) for the demo catalog.
func demoTime(month time.Month, day, hour, minute int) time.Time {
	return time.Date(2026, month, day, hour, minute, 0, 0, time.UTC)
}

// DemoCatalog returns the demo catalog loaded into an empty store: 6
// categories and 50 products, with prices on both sides of the free-shipping
// threshold, a few products nearly sold out and a few sold out. It is a fixed
// table: every call returns the same data (fresh slices the caller may
// modify). All text is ASCII so substring search behaves alike in every store.
func DemoCatalog() ([]Category, []Product) {
	categories := []Category{
		{ID: "kitchen", Name: "Kitchen"},
		{ID: "outdoor", Name: "Outdoor"},
		{ID: "office", Name: "Office"},
		{ID: "home", Name: "Home"},
		{ID: "audio", Name: "Audio"},
		{ID: "apparel", Name: "Apparel"},
	}
	products := []Product{
		// Kitchen
		{
			ID: "enamel-kettle", Name: "Speckled Enamel Kettle", Category: "kitchen",
			Description: "A two-quart stovetop kettle in glossy speckled enamel over carbon steel. " +
				"The wide spout pours in a steady stream and the wooden knob stays cool to the touch. " +
				"Works on gas, electric and induction hobs.",
			PriceCents: 3900, Stock: 24, CreatedAt: demoTime(1, 6, 9, 15),
		},
		{
			ID: "walnut-cutting-board", Name: "Walnut End-Grain Cutting Board", Category: "kitchen",
			Description: "Cut from solid American black walnut and laid end-grain up, this board is gentle on knife edges and hides the marks of daily use. " +
				"Rubber feet keep it steady on the counter. " +
				"Oil it once a month and it will last for decades.",
			PriceCents: 8400, Stock: 12, CreatedAt: demoTime(1, 19, 14, 40),
		},
		{
			ID: "cast-iron-skillet", Name: "Ten-Inch Cast Iron Skillet", Category: "kitchen",
			Description: "A pre-seasoned ten-inch skillet with a smooth cooking surface and two pouring lips. " +
				"It sears steaks, bakes cornbread and goes straight from stovetop to oven. " +
				"The seasoning only gets better the more you cook with it.",
			PriceCents: 4600, Stock: 31, CreatedAt: demoTime(2, 2, 10, 5),
		},
		{
			ID: "pour-over-dripper", Name: "Ceramic Pour-Over Dripper", Category: "kitchen",
			Description: "A hand-glazed porcelain cone that brews one or two cups of bright, clean coffee. " +
				"Spiral ribs inside let the coffee bloom evenly and drain at an unhurried pace. " +
				"Takes standard number 2 paper filters.",
			PriceCents: 2200, Stock: 40, CreatedAt: demoTime(2, 14, 8, 30),
		},
		{
			ID: "linen-tea-towels", Name: "Linen Tea Towel Set", Category: "kitchen",
			Description: "Three stonewashed linen towels in oat, sage and charcoal. " +
				"Linen dries glassware without leaving lint behind and softens with every wash.",
			PriceCents: 1850, Stock: 55, CreatedAt: demoTime(3, 3, 16, 20),
		},
		{
			ID: "carbon-steel-chef-knife", Name: "Carbon Steel Chef's Knife", Category: "kitchen",
			Description: "An eight-inch chef's knife forged from high-carbon steel and fitted with a riveted maple handle. " +
				"It takes a keen edge and holds it through weeks of chopping. " +
				"Over time the blade develops a blue-grey patina that protects it from rust.",
			PriceCents: 12800, Stock: 2, CreatedAt: demoTime(3, 21, 11, 0),
		},
		{
			ID: "olive-wood-spoons", Name: "Olive Wood Spoon Trio", Category: "kitchen",
			Description: "A slotted spoon, a stirring spoon and a flat spatula, each carved from a single piece of olive wood. " +
				"The dense grain resists stains and odors. " +
				"Safe for nonstick and enameled pans.",
			PriceCents: 1600, Stock: 47, CreatedAt: demoTime(4, 9, 13, 45),
		},
		{
			ID: "stoneware-mixing-bowls", Name: "Stoneware Mixing Bowl Set", Category: "kitchen",
			Description: "Three nesting bowls in matte stoneware, from a small prep bowl to one big enough for bread dough. " +
				"A glazed interior wipes clean easily. " +
				"They are oven, microwave and dishwasher safe.",
			PriceCents: 6400, Stock: 18, CreatedAt: demoTime(5, 1, 9, 50),
		},
		{
			ID: "beeswax-food-wraps", Name: "Beeswax Food Wraps", Category: "kitchen",
			Description: "A set of three cotton wraps coated in beeswax, tree resin and jojoba oil. " +
				"The warmth of your hands molds them around cheese, bread or a half lemon. " +
				"Rinse in cool water and reuse for up to a year.",
			PriceCents: 1200, Stock: 0, CreatedAt: demoTime(5, 18, 15, 10),
		},

		// Outdoor
		{
			ID: "ridgeline-daypack", Name: "Ridgeline 22L Daypack", Category: "outdoor",
			Description: "A 22-liter pack with a padded back panel, a hydration sleeve and a stretch pocket for a wet jacket. " +
				"The recycled ripstop shell sheds light rain. " +
				"Hip-belt pockets keep snacks and a phone within reach on the trail.",
			PriceCents: 8900, Stock: 26, CreatedAt: demoTime(1, 9, 12, 0),
		},
		{
			ID: "rechargeable-camp-lantern", Name: "Rechargeable Camp Lantern", Category: "outdoor",
			Description: "A warm, dimmable lantern that runs up to forty hours on its low setting. " +
				"It charges over USB-C and doubles as a power bank for your phone. " +
				"The folding hook hangs it from a tent loop or a branch.",
			PriceCents: 3400, Stock: 38, CreatedAt: demoTime(1, 27, 17, 25),
		},
		{
			ID: "titanium-spork", Name: "Titanium Spork", Category: "outdoor",
			Description: "One utensil for the whole trip, weighing less than an ounce. " +
				"The long handle reaches the bottom of a freeze-dried meal pouch without sticky knuckles.",
			PriceCents: 950, Stock: 60, CreatedAt: demoTime(2, 8, 7, 55),
		},
		{
			ID: "insulated-trail-bottle", Name: "Insulated Trail Bottle", Category: "outdoor",
			Description: "A double-walled steel bottle that keeps water cold for a full day and tea hot through the morning. " +
				"The wide mouth fits ice cubes and cleans easily. " +
				"Holds 24 ounces.",
			PriceCents: 2800, Stock: 52, CreatedAt: demoTime(2, 23, 10, 35),
		},
		{
			ID: "packable-travel-hammock", Name: "Packable Travel Hammock", Category: "outdoor",
			Description: "Parachute nylon that packs into its own pouch about the size of a grapefruit. " +
				"It holds up to 400 pounds and comes with tree-friendly straps. " +
				"Set it up between two trees in under two minutes.",
			PriceCents: 5400, Stock: 3, CreatedAt: demoTime(3, 12, 14, 5),
		},
		{
			ID: "two-person-backpacking-tent", Name: "Two-Person Backpacking Tent", Category: "outdoor",
			Description: "A freestanding tent that weighs just over three pounds and pitches with a single hubbed pole. " +
				"Two doors and two vestibules mean nobody climbs over anybody at night. " +
				"Seams are taped and the fly is coated for steady rain.",
			PriceCents: 23900, Stock: 11, CreatedAt: demoTime(4, 2, 9, 0),
		},
		{
			ID: "wool-camp-blanket", Name: "Wool Camp Blanket", Category: "outdoor",
			Description: "A heavy blanket woven from undyed wool with a classic stripe at each end. " +
				"It stays warm even when damp and shrugs off sparks from the campfire. " +
				"Equally at home on the back of a couch.",
			PriceCents: 11800, Stock: 14, CreatedAt: demoTime(4, 24, 19, 30),
		},
		{
			ID: "folding-camp-stool", Name: "Folding Camp Stool", Category: "outdoor",
			Description: "A three-legged stool with an aluminum frame and a canvas seat. " +
				"It folds flat to strap onto a pack and sets up in seconds at the lakeshore.",
			PriceCents: 2600, Stock: 0, CreatedAt: demoTime(5, 27, 11, 15),
		},

		// Office
		{
			ID: "dot-grid-notebook", Name: "Dot Grid Notebook", Category: "office",
			Description: "A5 notebook with 192 numbered pages of thick, fountain-pen-friendly paper. " +
				"The faint dot grid guides sketches, lists and handwriting without getting in the way. " +
				"Lay-flat binding and a ribbon bookmark.",
			PriceCents: 1400, Stock: 58, CreatedAt: demoTime(1, 13, 10, 10),
		},
		{
			ID: "machined-brass-pen", Name: "Machined Brass Pen", Category: "office",
			Description: "A solid brass pen turned on a lathe and finished by hand. " +
				"It has a satisfying weight and takes standard gel refills. " +
				"The brass darkens slowly into a warm patina.",
			PriceCents: 4200, Stock: 21, CreatedAt: demoTime(1, 31, 15, 0),
		},
		{
			ID: "bamboo-desk-organizer", Name: "Bamboo Desk Organizer", Category: "office",
			Description: "Five compartments for pens, sticky notes, a phone and the odds and ends that pile up on a desk. " +
				"Made from fast-growing bamboo with a clear natural finish.",
			PriceCents: 3600, Stock: 29, CreatedAt: demoTime(2, 17, 9, 40),
		},
		{
			ID: "wool-felt-desk-mat", Name: "Wool Felt Desk Mat", Category: "office",
			Description: "A generous mat of dense merino felt that softens typing and protects the desk beneath. " +
				"A cork underside keeps it from sliding around. " +
				"It works as a large mouse pad too.",
			PriceCents: 4800, Stock: 33, CreatedAt: demoTime(3, 6, 13, 20),
		},
		{
			ID: "adjustable-task-lamp", Name: "Adjustable Task Lamp", Category: "office",
			Description: "A spring-balanced arm lamp that holds any position you set it to. " +
				"The LED head gives an even, flicker-free light with three color temperatures. " +
				"It clamps to a desk edge or stands on its weighted base.",
			PriceCents: 9600, Stock: 1, CreatedAt: demoTime(3, 25, 16, 45),
		},
		{
			ID: "compact-mechanical-keyboard", Name: "Compact Mechanical Keyboard", Category: "office",
			Description: "A 75 percent keyboard with tactile switches and sculpted PBT keycaps. " +
				"It connects over Bluetooth to three devices or by USB-C cable. " +
				"The aluminum case keeps it steady and quiet.",
			PriceCents: 14900, Stock: 16, CreatedAt: demoTime(4, 15, 10, 25),
		},
		{
			ID: "oak-monitor-riser", Name: "Oak Monitor Riser", Category: "office",
			Description: "Lifts a screen to a more comfortable eye level and leaves room for a keyboard to slide underneath. " +
				"Solid oak on steel legs, finished with a hard-wearing oil.",
			PriceCents: 7200, Stock: 19, CreatedAt: demoTime(5, 7, 14, 0),
		},
		{
			ID: "graphite-pencil-set", Name: "Graphite Pencil Set", Category: "office",
			Description: "Twelve cedar pencils ranging from a crisp 2H to a soft, dark 6B. " +
				"Good for sketching, shading and crosswords. " +
				"They come in a reusable tin.",
			PriceCents: 750, Stock: 44, CreatedAt: demoTime(6, 1, 8, 45),
		},

		// Home
		{
			ID: "linen-throw-pillow", Name: "Linen Throw Pillow", Category: "home",
			Description: "A washed linen cover in soft clay with a feather-and-down insert. " +
				"The hidden zipper lets you take the cover off for the wash. " +
				"Measures 20 by 20 inches.",
			PriceCents: 3800, Stock: 27, CreatedAt: demoTime(1, 4, 11, 30),
		},
		{
			ID: "ceramic-table-lamp", Name: "Ceramic Table Lamp", Category: "home",
			Description: "A rounded stoneware base in a speckled glaze under a pleated cotton shade. " +
				"It gives a warm, diffused glow for reading corners and bedside tables. " +
				"Fitted with a dimmable cord switch.",
			PriceCents: 11200, Stock: 10, CreatedAt: demoTime(1, 22, 16, 0),
		},
		{
			ID: "cedar-fig-soy-candle", Name: "Cedar and Fig Soy Candle", Category: "home",
			Description: "Hand-poured soy wax with notes of cedarwood, ripe fig and a hint of black pepper. " +
				"The cotton wick burns clean for about fifty hours. " +
				"The amber glass jar makes a handy cup once the candle is done.",
			PriceCents: 2400, Stock: 3, CreatedAt: demoTime(2, 11, 18, 15),
		},
		{
			ID: "hand-woven-wool-rug", Name: "Hand-Woven Wool Rug", Category: "home",
			Description: "A flat-woven rug in cream and charcoal, made on a hand loom from thick wool yarn. " +
				"It is reversible, so it wears evenly over the years. " +
				"Measures five by eight feet.",
			PriceCents: 22800, Stock: 8, CreatedAt: demoTime(2, 26, 12, 50),
		},
		{
			ID: "terracotta-planter", Name: "Terracotta Planter", Category: "home",
			Description: "An unglazed terracotta pot with a matching saucer and a drainage hole. " +
				"The porous clay lets roots breathe and helps prevent overwatering. " +
				"Fits a six-inch nursery pot.",
			PriceCents: 1900, Stock: 36, CreatedAt: demoTime(3, 16, 10, 0),
		},
		{
			ID: "minimal-wall-clock", Name: "Minimal Wall Clock", Category: "home",
			Description: "A birch plywood face with slim black hands and no numbers to clutter it. " +
				"The sweep movement is completely silent, so it suits a bedroom as well as a kitchen.",
			PriceCents: 4500, Stock: 23, CreatedAt: demoTime(4, 5, 15, 35),
		},
		{
			ID: "waffle-bath-towels", Name: "Waffle Weave Bath Towels", Category: "home",
			Description: "Two bath towels in a deep waffle weave of long-staple cotton. " +
				"They are light, quick to dry and get softer after every wash.",
			PriceCents: 5200, Stock: 30, CreatedAt: demoTime(4, 28, 9, 20),
		},
		{
			ID: "bedside-glass-carafe", Name: "Bedside Glass Carafe", Category: "home",
			Description: "A mouth-blown glass carafe whose tumbler sits upside down on top as a lid. " +
				"It keeps a night of water within reach and dust out of it. " +
				"Holds about a pint.",
			PriceCents: 2700, Stock: 41, CreatedAt: demoTime(5, 12, 20, 5),
		},
		{
			ID: "oak-floating-shelf", Name: "Oak Floating Shelf", Category: "home",
			Description: "A solid oak shelf that mounts on a hidden steel bracket for a clean, floating look. " +
				"It holds books, plants and small frames. " +
				"Mounting screws and wall anchors are included.",
			PriceCents: 6800, Stock: 17, CreatedAt: demoTime(6, 4, 13, 10),
		},

		// Audio
		{
			ID: "over-ear-wireless-headphones", Name: "Over-Ear Wireless Headphones", Category: "audio",
			Description: "Closed-back headphones with active noise cancelling and up to thirty hours of playback. " +
				"Memory-foam cushions stay comfortable through long flights. " +
				"They fold flat into a slim hard case.",
			PriceCents: 19900, Stock: 13, CreatedAt: demoTime(1, 16, 13, 5),
		},
		{
			ID: "powered-bookshelf-speakers", Name: "Powered Bookshelf Speakers", Category: "audio",
			Description: "A pair of active speakers with a built-in amplifier, Bluetooth and an optical input. " +
				"Wooden cabinets and a silk-dome tweeter give a warm, detailed sound. " +
				"Plug in a turntable directly through the phono input.",
			PriceCents: 24000, Stock: 9, CreatedAt: demoTime(2, 5, 17, 45),
		},
		{
			ID: "pocket-bluetooth-speaker", Name: "Pocket Bluetooth Speaker", Category: "audio",
			Description: "A palm-sized speaker with surprisingly full sound and twelve hours of battery. " +
				"It is waterproof, floats and clips to a bag strap.",
			PriceCents: 4900, Stock: 48, CreatedAt: demoTime(2, 20, 11, 25),
		},
		{
			ID: "wired-studio-earbuds", Name: "Wired Studio Earbuds", Category: "audio",
			Description: "Dynamic-driver earbuds with a neutral, studio-style tuning and a braided cable. " +
				"Three sizes of silicone tips are included for a good seal. " +
				"No battery to charge, ever.",
			PriceCents: 2900, Stock: 35, CreatedAt: demoTime(3, 9, 9, 10),
		},
		{
			ID: "belt-drive-turntable", Name: "Belt-Drive Turntable", Category: "audio",
			Description: "A two-speed turntable with a heavy platter, a pre-mounted cartridge and a switchable preamp. " +
				"The belt drive keeps motor noise away from the record. " +
				"Connects to powered speakers or any amplifier.",
			PriceCents: 21900, Stock: 1, CreatedAt: demoTime(3, 29, 18, 0),
		},
		{
			ID: "walnut-headphone-stand", Name: "Walnut Headphone Stand", Category: "audio",
			Description: "A curved walnut hanger on a weighted steel base that keeps headphones off the desk and in shape. " +
				"A cork pad underneath protects the surface.",
			PriceCents: 3200, Stock: 22, CreatedAt: demoTime(4, 19, 12, 15),
		},
		{
			ID: "hook-and-loop-cable-ties", Name: "Hook-and-Loop Cable Ties", Category: "audio",
			Description: "Ten reusable fabric ties that tame the cables behind a stereo or desk. " +
				"They wrap and release as many times as you like without tools.",
			PriceCents: 450, Stock: 60, CreatedAt: demoTime(5, 4, 10, 40),
		},
		{
			ID: "usb-podcast-microphone", Name: "USB Podcast Microphone", Category: "audio",
			Description: "A cardioid condenser microphone that plugs straight into a computer over USB-C. " +
				"A headphone jack with zero-latency monitoring lets you hear yourself as you record. " +
				"Comes with a desk stand and a foam windscreen.",
			PriceCents: 7900, Stock: 20, CreatedAt: demoTime(5, 22, 15, 55),
		},

		// Apparel
		{
			ID: "merino-hiking-socks", Name: "Merino Hiking Socks", Category: "apparel",
			Description: "Mid-weight crew socks knit from merino wool with a cushioned sole. " +
				"Merino keeps feet warm when it is cold, cool when it is warm, and fresh for days.",
			PriceCents: 1800, Stock: 57, CreatedAt: demoTime(1, 11, 8, 20),
		},
		{
			ID: "heavy-canvas-tote", Name: "Heavy Canvas Tote", Category: "apparel",
			Description: "A roomy tote in 18-ounce cotton canvas with leather-reinforced handles. " +
				"An inside pocket holds keys and a phone. " +
				"It carries groceries, books or a laptop with ease.",
			PriceCents: 2500, Stock: 39, CreatedAt: demoTime(1, 25, 12, 35),
		},
		{
			ID: "packable-rain-shell", Name: "Packable Rain Shell", Category: "apparel",
			Description: "A waterproof, breathable jacket that stuffs into its own chest pocket. " +
				"Fully taped seams, an adjustable hood and pit zips keep you dry without overheating. " +
				"Light enough to carry every day, just in case.",
			PriceCents: 13800, Stock: 15, CreatedAt: demoTime(2, 28, 9, 5),
		},
		{
			ID: "brushed-flannel-shirt", Name: "Brushed Flannel Shirt", Category: "apparel",
			Description: "A soft, mid-weight flannel in a muted forest plaid, brushed on both sides. " +
				"Cut with a relaxed fit and two button-flap chest pockets.",
			PriceCents: 5800, Stock: 25, CreatedAt: demoTime(3, 19, 14, 25),
		},
		{
			ID: "ribbed-knit-beanie", Name: "Ribbed Knit Beanie", Category: "apparel",
			Description: "A snug beanie in a deep rib knit of wool and recycled nylon. " +
				"Wear it with the cuff turned up or pulled down over the ears on windy days.",
			PriceCents: 2200, Stock: 46, CreatedAt: demoTime(4, 12, 17, 5),
		},
		{
			ID: "denim-work-apron", Name: "Denim Work Apron", Category: "apparel",
			Description: "A sturdy apron of raw selvedge denim with crossback straps that take the weight off your neck. " +
				"Three front pockets hold pens, a phone and small tools. " +
				"Good for the kitchen, the workshop or the garden.",
			PriceCents: 4400, Stock: 2, CreatedAt: demoTime(5, 9, 11, 50),
		},
		{
			ID: "full-grain-leather-belt", Name: "Full-Grain Leather Belt", Category: "apparel",
			Description: "Cut from a single strip of vegetable-tanned leather and finished with a solid brass buckle. " +
				"It breaks in with wear and darkens to a rich brown.",
			PriceCents: 6500, Stock: 28, CreatedAt: demoTime(5, 30, 16, 30),
		},
		{
			ID: "fisherman-wool-sweater", Name: "Fisherman Wool Sweater", Category: "apparel",
			Description: "A heavyweight crewneck in a traditional cable knit of natural lanolin-rich wool. " +
				"The lanolin helps it shrug off mist and drizzle. " +
				"A sweater to keep for twenty winters.",
			PriceCents: 16400, Stock: 0, CreatedAt: demoTime(6, 8, 10, 15),
		},
	}
	for i := range products {
		products[i].Active = true
	}
	return categories, products
}
