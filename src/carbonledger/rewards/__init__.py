"""Rewards (积分兑换): merchants' catalogue of rewards, citizens' redemptions with vouchers, and
the merchants' settlement statements.

A redemption reserves one item of stock and the reward's price in points (citizen → `reserved`)
and issues a voucher code. The merchant confirms the voucher when it is used (`reserved` →
`merchant:<id>`); a voucher the citizen cancels, or one not used within the hold time, is voided
and the points and the item return. `rules` is the pure core: kinds, terms, the redemption state
machine and the postings; `vouchers` keeps a voucher's code, a bearer secret, only as a keyed hash
and a ciphertext.
"""
