"""Nutrition: school meals (daily orders, the kitchen, the monthly tabulation sheet, parents\x27 balances)."""
