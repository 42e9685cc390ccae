"""Donations (积分捐赠): public-welfare projects citizens fund with their green points, each with
a goal and public progress."""
