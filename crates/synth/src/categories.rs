//! The chart of categories the generator uses (about forty, plus `Transfer`); each profile
//! uses the part of it that fits its trade.

/// A category by index into [`CATEGORIES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Cat(pub u16);

macro_rules! categories {
    ($($id:ident = $name:literal, $income:literal;)*) => {
        #[allow(non_upper_case_globals, dead_code)]
        pub(crate) mod cat {
            use super::Cat;
            categories!(@consts 0u16; $($id)*);
        }
        /// Name and whether it is income, by index.
        pub(crate) const CATEGORIES: &[(&str, bool)] = &[$(($name, $income)),*];
    };
    (@consts $n:expr; $id:ident $($rest:ident)*) => {
        pub const $id: Cat = Cat($n);
        categories!(@consts $n + 1u16; $($rest)*);
    };
    (@consts $n:expr;) => {};
}

categories! {
    Transfer = "Transfer", false;
    Sales = "Sales", true;
    WholesaleRevenue = "Wholesale Revenue", true;
    InterestIncome = "Interest Income", true;
    OtherIncome = "Other Income", true;
    Payroll = "Payroll", false;
    PayrollTaxes = "Payroll Taxes", false;
    Rent = "Rent", false;
    Utilities = "Utilities", false;
    Internet = "Internet", false;
    Software = "Software", false;
    Insurance = "Insurance", false;
    Cogs = "Cost of Goods Sold", false;
    Packaging = "Packaging", false;
    Shipping = "Shipping", false;
    Marketing = "Marketing", false;
    Advertising = "Advertising", false;
    Meals = "Meals", false;
    Travel = "Travel", false;
    BankFees = "Bank Fees", false;
    MerchantFees = "Merchant Fees", false;
    Taxes = "Taxes", false;
    ProfessionalFees = "Professional Fees", false;
    Legal = "Legal", false;
    Equipment = "Equipment", false;
    Repairs = "Repairs", false;
    Maintenance = "Maintenance", false;
    OfficeSupplies = "Office Supplies", false;
    ShopSupplies = "Shop Supplies", false;
    Cleaning = "Cleaning", false;
    WasteDisposal = "Waste Disposal", false;
    Postage = "Postage", false;
    Fuel = "Fuel", false;
    Vehicle = "Vehicle", false;
    Contractors = "Contractors", false;
    Training = "Training", false;
    Memberships = "Memberships", false;
    Licenses = "Licenses and Permits", false;
    Donations = "Charitable Donations", false;
    Entertainment = "Entertainment", false;
    Uniforms = "Uniforms", false;
    Security = "Security", false;
    EmployeeBenefits = "Employee Benefits", false;
    // Dental practice categories (appended so earlier indices never move).
    PatientPayments = "Patient Payments", true;
    InsuranceReimbursements = "Insurance Reimbursements", true;
    DentalSupplies = "Dental Supplies", false;
    LabFees = "Lab Fees", false;
    EquipmentLease = "Equipment Lease", false;
    MalpracticeInsurance = "Malpractice Insurance", false;
}

impl Cat {
    pub(crate) fn name(self) -> &'static str {
        CATEGORIES[usize::from(self.0)].0
    }
}

/// Whether a category is income (`Income:` in the journal) rather than an expense.
#[must_use]
pub fn is_income_category(name: &str) -> bool {
    CATEGORIES.iter().any(|&(n, income)| income && n == name)
}
