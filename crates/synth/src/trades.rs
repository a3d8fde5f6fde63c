//! Trades of counterparties: the words that make a business name sound like its trade.

/// The kind of business a counterparty is, which picks the trade words in its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Trade {
    Cafe,
    CoffeeImporter,
    Packaging,
    Freight,
    Media,
    Restaurant,
    Travel,
    Office,
    Software,
    Accountant,
    Law,
    Repair,
    Equipment,
    Power,
    Insurer,
    Landlord,
    Payroll,
    Bank,
    Cleaning,
    Waste,
    Training,
    Staffing,
    Alarm,
    Association,
    Charity,
    Permits,
    Garage,
    FuelStation,
    MedicalSupply,
    Retailer,
    DentalLab,
    DentalEquipment,
    Lessor,
    Telecom,
    ItServices,
}

impl Trade {
    pub(crate) fn words(self) -> &'static [&'static str] {
        match self {
            Trade::Cafe => &[
                "Cafe",
                "Coffee House",
                "Bistro",
                "Market",
                "Grocers",
                "Bakery",
                "Deli",
                "Espresso Bar",
                "Diner",
                "Co-op",
            ],
            Trade::CoffeeImporter => &[
                "Green Coffee Importers",
                "Coffee Traders",
                "Bean Merchants",
                "Coffee Imports",
                "Specialty Green Co",
            ],
            Trade::Packaging => &[
                "Packaging",
                "Box Co",
                "Bag Works",
                "Labels",
                "Print and Pack",
            ],
            Trade::Freight => &[
                "Freight",
                "Logistics",
                "Courier",
                "Shipping Co",
                "Parcel Express",
            ],
            Trade::Media => &[
                "Media",
                "Creative",
                "Ads",
                "Marketing Studio",
                "Social Agency",
                "Print Shop",
            ],
            Trade::Restaurant => &[
                "Kitchen",
                "Grill",
                "Taqueria",
                "Noodle Bar",
                "Pizzeria",
                "Sandwich Shop",
                "Ramen House",
            ],
            Trade::Travel => &[
                "Air",
                "Hotel",
                "Inn",
                "Rail",
                "Car Rental",
                "Suites",
                "Airport Parking",
            ],
            Trade::Office => &[
                "Office Supply",
                "Stationers",
                "Paper Co",
                "Hardware",
                "Supply House",
            ],
            Trade::Software => &["Cloud", "App", "Software", "Labs"],
            Trade::Accountant => &["CPAs", "Accounting Group", "Tax Advisors", "Bookkeeping"],
            Trade::Law => &["Law Group", "Legal LLP", "Attorneys"],
            Trade::Repair => &[
                "Repair",
                "Mechanical",
                "Electric",
                "Plumbing",
                "HVAC Services",
            ],
            Trade::Equipment => &[
                "Equipment",
                "Machinery",
                "Roaster Works",
                "Industrial Supply",
            ],
            Trade::Power => &[
                "Power and Light",
                "Energy",
                "Electric Cooperative",
                "Gas and Electric",
            ],
            Trade::Insurer => &["Mutual Insurance", "Insurance Group", "Assurance"],
            Trade::Landlord => &[
                "Properties LLC",
                "Realty",
                "Holdings",
                "Property Management",
            ],
            Trade::Payroll => &["Payroll", "HR Payroll", "Pay Services"],
            Trade::Bank => &["Bank", "Savings Bank", "Credit Union"],
            Trade::Cleaning => &[
                "Cleaning Services",
                "Janitorial",
                "Cleaning Co",
                "Maid Service",
            ],
            Trade::Waste => &["Waste Services", "Recycling", "Disposal"],
            Trade::Training => &["Training Institute", "Academy", "Learning Center"],
            Trade::Staffing => &["Staffing", "Contract Services", "Workforce Solutions"],
            Trade::Alarm => &["Security Services", "Alarm Co", "Monitoring"],
            Trade::Association => &["Business Association", "Chamber of Commerce", "Guild"],
            Trade::Charity => &["Community Fund", "Youth League", "Food Bank"],
            Trade::Permits => &["Permits Office", "Licensing Board", "County Clerk"],
            Trade::Garage => &["Auto Service", "Garage", "Tire and Auto", "Fleet Service"],
            Trade::FuelStation => &["Fuel", "Gas Station", "Fuel Stop"],
            Trade::MedicalSupply => &["Dental Supply", "Medical Supply", "Clinical Supplies"],
            Trade::Retailer => &[
                "Outfitters",
                "General Store",
                "Supply Co",
                "Trading Post",
                "Mart",
            ],
            Trade::DentalLab => &[
                "Dental Lab",
                "Dental Laboratory",
                "Crown and Bridge",
                "Denture Studio",
                "Dental Ceramics",
            ],
            Trade::DentalEquipment => &[
                "Dental Equipment",
                "Dental Technologies",
                "Imaging Systems",
                "Handpiece Repair",
            ],
            Trade::Lessor => &["Equipment Finance", "Leasing", "Capital Leasing"],
            Trade::Telecom => &["Fiber", "Broadband", "Telecom", "Communications"],
            Trade::ItServices => &[
                "IT Solutions",
                "Tech Support",
                "Networks",
                "Computer Services",
            ],
        }
    }
}

/// Where a counterparty's name comes from: made up for a trade, or a real-world name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Who {
    Trade(Trade),
    /// Fixed names, used in order (never more of them than the list holds).
    Named(&'static [&'static str]),
}

impl Who {
    /// How many counterparties of this kind to create when `wanted` would be ideal.
    pub(crate) fn count(self, wanted: usize) -> usize {
        match self {
            Who::Trade(_) => wanted,
            Who::Named(list) => wanted.min(list.len()),
        }
    }
}
