"""Appeals (申诉): a citizen contests one of their records that was not credited or was
reversed; the appeal waits in the review queue until a reviewer answers it, and the answer comes
back to the citizen."""
