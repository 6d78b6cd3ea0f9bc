"""The integrated plan: demand, supply, inventory and money side by side per family."""
